"""Revision diffs (pure) and the small parsing helpers behind the forum pages."""
from __future__ import annotations

import pytest

from app.forum.diffs import DELETE, EQUAL, INSERT, SKIP, Chunk, diff_text, diff_words, has_changes
from app.forum.forms import parse_question_ref
from app.templating import http_url, license_url


def _ops(chunks):
    return [(c.op, c.text) for c in chunks]


def test_word_diff_marks_only_the_changed_words():
    assert _ops(diff_words("reset the card PIN", "reset the new card PIN")) == [
        (EQUAL, "reset the "), (INSERT, "new "), (EQUAL, "card PIN")]


def test_chinese_is_compared_character_by_character():
    chunks = diff_words("信用卡挂失流程", "信用卡补办流程")
    assert _ops(chunks) == [(EQUAL, "信用卡"), (DELETE, "挂失"), (INSERT, "补办"), (EQUAL, "流程")]


def test_text_diff_folds_long_unchanged_runs():
    old = "".join(f"line {n}\n" for n in range(20))
    new = old.replace("line 10\n", "line ten\n")
    chunks = diff_text(old, new)
    assert chunks[0] == Chunk(SKIP, lines=8)  # lines 0-7 folded, 8-9 kept as context
    assert (DELETE, "10") in _ops(chunks) and (INSERT, "ten") in _ops(chunks)
    assert chunks[-1] == Chunk(SKIP, lines=7)


def test_identical_texts_have_no_changes_and_large_blocks_are_replaced_whole():
    assert not has_changes(diff_text("same\ntext\n", "same\ntext\n"))
    old, new = "a " * 3000 + "\n", "b " * 3000 + "\n"
    assert _ops(diff_text(old, new)) == [(DELETE, old), (INSERT, new)]


def test_markup_stays_text():
    chunks = diff_words("plain", "<script>alert(1)</script>")
    assert "".join(c.text for c in chunks if c.op == INSERT) == "<script>alert(1)</script>"


@pytest.mark.parametrize("text, expected", [
    ("42", 42), ("#42", 42), (" 42 ", 42), ("/questions/42", 42), ("/questions/42/some-slug", 42),
    ("https://forum.example/questions/42/x?y=1", 42), ("/questions/42#answer-3", 42),
    ("", None), (None, None), ("forty-two", None), ("/answers/42", None), ("/questions/x", None),
])
def test_question_references(text, expected):
    assert parse_question_ref(text) == expected


@pytest.mark.parametrize("url, expected", [
    ("https://beer.stackexchange.com/q/1", "https://beer.stackexchange.com/q/1"),
    ("http://example.com/", "http://example.com/"), ("javascript:alert(1)", None), ("//evil", None),
    ("data:text/html,x", None), ("", None), (None, None), ("https:///nohost", None),
])
def test_only_web_addresses_become_links(url, expected):
    assert http_url(url) == expected


def test_licence_deeds():
    assert license_url("CC BY-SA 3.0") == "https://creativecommons.org/licenses/by-sa/3.0/"
    assert license_url("CC BY-SA 2.5") == "https://creativecommons.org/licenses/by-sa/2.5/"
    assert license_url(None) == "https://creativecommons.org/licenses/by-sa/4.0/"
