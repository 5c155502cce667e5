"""Analyzer and query parser: folding, Chinese segmentation, stop words, quotes, limits."""
import pytest

from app.search.analysis import fold, index_tokens, is_spellable, query_words
from app.search.query import MAX_QUERY_LENGTH, QueryTooLong, parse_query


def test_fold_handles_width_case_and_accents():
    assert fold("ＡＴＭ Card Café ß") == "atm card cafe ss"
    assert fold("信用卡１２３") == "信用卡123"


def test_index_tokens_segment_chinese_and_add_bigrams_after_the_main_tokens():
    tokens = index_tokens("如何办理信用卡销户手续")
    main = tokens[:5]
    assert main == ["如何", "办理", "信用卡", "销户", "手续"]
    assert "卡销" in tokens[5:]          # every bigram, so words match across jieba's cuts


def test_two_character_words_match_inside_longer_text():
    # jieba cuts 想开户口 as 想开 / 户口; the bigram 开户 is still indexed.
    assert "开户" in index_tokens("我想开户口")
    assert query_words("开户") == ["开户"]


def test_domain_words_are_kept_whole():
    assert "年费" in index_tokens("信用卡年费怎么退")[:5]
    assert query_words("网银 U盾") == ["网银", "u盾"]


def test_unknown_chinese_words_become_bigrams_in_queries():
    assert query_words("张三丰") in (["张三丰"], ["张三", "三丰"])


def test_spellable_means_letters_only_and_not_han():
    assert is_spellable("brewing") and not is_spellable("b2b") and not is_spellable("信用卡")


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
