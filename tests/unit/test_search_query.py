"""The query parser: phrases, prefixes, stop words, quotes, limits (the words come from app.text)."""
import pytest

from app.search.query import MAX_QUERY_LENGTH, QueryTooLong, parse_query


def test_parse_query_phrases_prefix_and_stop_words():
    q = parse_query('how to "report lost" card')
    assert [c.words for c in q.clauses] == [("report", "lost"), ("card",)]
    assert q.clauses[0].exact and q.clauses[-1].prefix
    assert not parse_query("card ").clauses[-1].prefix          # a trailing space: a whole word
    assert parse_query("the").words == ["the"]                   # stop words alone are kept


@pytest.mark.parametrize("text", ['"', '"unbalanced quote', "NEAR(a b)", "*", "-", ":", "title:x", "((", "'",
                                  "a AND OR NOT b", "{title}: x", "^x", "\x00", "🙂🙂"])
def test_any_text_parses_to_plain_words(text):
    q = parse_query(text)
    for clause in q.clauses:
        for word in clause.words:
            assert word.isalnum()


def test_unbalanced_quote_is_ignored():
    assert [c.words for c in parse_query('"credit card').clauses] == [("credit",), ("card",)]


def test_too_long_query_is_refused():
    parse_query("x" * MAX_QUERY_LENGTH)
    with pytest.raises(QueryTooLong):
        parse_query("x" * (MAX_QUERY_LENGTH + 1))
