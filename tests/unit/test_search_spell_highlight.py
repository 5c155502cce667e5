"""Typo keys and distance, snippets and highlighting (escape first, then mark)."""
import random

from app.search.highlight import highlight, match_spans, snippet
from app.search.spell import corrections, deletes, distance, max_typos, query_keys, term_keys


def test_typo_budget_follows_meilisearch_defaults():
    assert [max_typos("x" * n) for n in (4, 5, 8, 9, 12)] == [0, 1, 1, 2, 2]
    assert query_keys("card") == set()


def test_distance_counts_a_swap_as_one_and_stops_early():
    assert distance("lagre", "lager", 1) == 1
    assert distance("fermentation", "fremantation", 2) == 2
    assert distance("abc", "xyz", 1) == 2  # limit + 1


def test_symmetric_deletes_find_every_term_within_budget():
    rng = random.Random(3)
    vocab = ["fermentation", "temperature", "carbonation", "stout", "lager", "porter", "barrel", "yeast"]
    index: dict[str, set] = {}
    for term in vocab:
        for key in term_keys(term):
            index.setdefault(key, set()).add(term)
    for term in vocab:
        for _ in range(20):
            i = rng.randrange(len(term))
            typo = rng.choice([term[:i] + term[i + 1:], term[:i] + "x" + term[i:], term[:i] + "q" + term[i + 1:]])
            if not max_typos(typo) or distance(typo, term, max_typos(typo)) > max_typos(typo):
                continue
            found = set().union(*(index.get(k, set()) for k in query_keys(typo)))
            assert term in found, (typo, term)


def test_corrections_prefer_near_then_frequent():
    assert corrections("lagre", {"lager": 5, "large": 50, "lagre": 1}) == ["large", "lager"]
    assert deletes("abc", 1) == {"abc", "bc", "ac", "ab"}


def test_highlight_escapes_before_marking():
    html = highlight('<script>alert("card")</script> card', {"card"})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<mark>card</mark>") == 2


def test_highlight_maps_folded_matches_back_to_the_original_text():
    assert str(highlight("ＡＴＭ吞卡了", {"atm", "吞卡"})) == "<mark>ＡＴＭ吞卡</mark>了"
    assert match_spans("Brewing brewed", {"brew"}) == [(0, 7), (8, 14)]


def test_snippet_picks_the_window_with_matches_and_marks_ellipses():
    text = "intro " * 100 + "the fermentation was stuck " + "outro " * 100
    out = str(snippet([text], {"fermentation"}, width=60))
    assert out.startswith("…") and out.endswith("…") and "<mark>fermentation</mark>" in out
    assert str(snippet(["", "answer text about <b>hops</b>"], {"hops"})).count("<mark>hops</mark>") == 1
