"""Snippets with highlighted matches, safe by construction (pure: no Flask, no database).

The text is cut and escaped first, and only then are ``<mark>`` tags put around the matched
spans, so nothing in a post can become markup. Matching works on the folded text (the
index's view: full width, case and accents folded) with a per-character offset map back to
the original, so a match on ``ＡＴＭ`` highlights the original full-width characters.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from markupsafe import Markup

from app.text import HAN_RE, fold_char

class _FoldTable(dict):
    """str.translate table that folds each character as app.text.fold_char does, filled on
    first sight; it remembers the characters whose folding is not one character long."""

    def __init__(self):
        super().__init__()
        self.irregular: set[str] = set()
        self.pattern = re.compile("(?!)")

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = ch.lower() if ch.isascii() else fold_char(ch)
        if len(folded) != 1:
            self.irregular.add(ch)
            self.pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(self.irregular)) + "]")
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def _folded(text: str) -> tuple[str, list[int] | None]:
    """Folded text and, for each folded character, the index of its original character
    (None when they line up one to one: nearly always, and then no per-character work)."""
    if text.isascii():
        return text.lower(), None
    folded = text.translate(_FOLD)
    if len(folded) == len(text) and not _FOLD.pattern.search(text):
        return folded, None
    out, where = [], []  # ligatures, ß, combining accents: map character by character
    for i, ch in enumerate(text):
        f = _FOLD[ord(ch)]
        out.append(f)
        where.extend([i] * len(f))
    return "".join(out), where


SCAN = 8000  # characters of each text searched for the snippet: deeper matches are not shown


def _stem(word: str) -> str:
    """A rough English stem, so that highlighting agrees with the engine's porter stemmer in
    the common cases (brew ~ brewing ~ brewed); a missed mark costs nothing else."""
    for suf in ("ations", "ation", "ings", "ing", "ies", "ers", "ed", "es", "er", "ly", "s", "y"):
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            return word[: -len(suf)]
    return word


@lru_cache(maxsize=64)
def _matcher(terms: frozenset[str], prefixes: frozenset[str]):
    """(Latin candidate regex, Han regex, Latin terms, their stems) for one query: compiled
    once, used on every title and snippet of its results."""
    latin = {t for t in terms if not HAN_RE.search(t)}
    stems = {_stem(t) for t in latin}
    starts = sorted(stems | latin | set(prefixes), key=len, reverse=True)
    han = sorted((t for t in terms if HAN_RE.search(t)), key=len, reverse=True)
    # Candidates are whole words starting with a stem or prefix; only those few are then
    # checked word by word. (Plain [^\W_]: a class without the Han ranges compiles 10x faster;
    # a word running into Han text is cut where it starts.)
    words = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, starts)) + r")[^\W_]*") if starts else None
    return words, (re.compile("|".join(map(re.escape, han))) if han else None), latin, stems


def match_spans(text: str, terms: set[str], prefixes: set[str] = frozenset()) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) spans of ``text`` that match the folded ``terms``
    (Han terms as substrings, other terms as whole words or stem variants) or ``prefixes``."""
    words, han, latin, stems = _matcher(frozenset(terms), frozenset(prefixes))
    if not text or (words is None and han is None):
        return []
    folded, where = _folded(text)
    spans: list[tuple[int, int]] = [(m.start(), m.end()) for m in han.finditer(folded)] if han else []
    for m in words.finditer(folded) if words else ():
        word, start = m.group(), m.start()
        cut = HAN_RE.search(word)  # "atm吞卡": the word is "atm"
        word = word[:cut.start()] if cut else word
        if word in latin or _stem(word) in stems or any(word.startswith(p) for p in prefixes):
            spans.append((start, start + len(word)))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    if where is None:
        return merged
    return [(where[s], where[e - 1] + 1) for s, e in merged]  # back to the original's offsets


def mark(text: str, spans: list[tuple[int, int]]) -> Markup:
    """Escaped ``text`` with ``<mark>`` around ``spans``."""
    out, pos = [], 0
    for s, e in spans:
        out.append(escape(text[pos:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:]))
    return Markup("".join(out))


def highlight(text: str, terms: set[str], prefixes: set[str] = frozenset()) -> Markup:
    """The whole ``text`` escaped and marked (for titles)."""
    return mark(text, match_spans(text, terms, prefixes))


def snippet(texts: list[str], terms: set[str], prefixes: set[str] = frozenset(), *,
            width: int = 220) -> Markup:
    """A window of about ``width`` characters from the first of ``texts`` with the most
    matches, escaped and marked, with ellipses where it was cut."""
    best: tuple[int, str, list] | None = None
    for text in texts:
        if not text:
            continue
        text = text[:SCAN]
        spans = match_spans(text, terms, prefixes)
        if best is None or len(spans) > len(best[2]):
            best = (len(spans), text, spans)
    if best is None:
        return Markup("")
    _, text, spans = best
    start = 0
    if spans:
        # The window that holds the most matches, starting a little before the first of them.
        best_i, best_n, j = 0, 0, 0
        for i, (s, _) in enumerate(spans):
            while j < len(spans) and spans[j][0] < s + width:
                j += 1
            if j - i > best_n:
                best_i, best_n = i, j - i
        first = spans[best_i][0]
        start = max(0, first - width // 5)
        if start:  # do not cut a word in half
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= start - 15 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start + width - 20, end)
        end = space if space > start else end
    window = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]
    body = mark(text[start:end], window)
    return Markup(("…" if start else "") + body + ("…" if end < len(text) else ""))
