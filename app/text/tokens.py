"""Tokens for an index and words of a query (pure).

Index side (:func:`index_tokens`) emits, for a run of Han characters, jieba's precise words
and, appended after the field's main tokens, the shorter dictionary words inside long words
and every character bigram. The bigrams are why a two-character query word such as 开户
matches inside 开户行 or 想开户口 even where jieba cut the text differently; appending them
keeps the main tokens adjacent for phrase queries.

Query side (:func:`query_words`) cuts the same way but emits only the words, joining runs of
single characters (an unknown word) back into bigrams so they meet the index's bigrams.
"""
from __future__ import annotations

from app.text.fold import HAN_RUN_RE, WORD_RE, fold, is_han
from app.text.segment import segmenter


def _han_words(run: str) -> list[str]:
    """jieba's precise cut of a folded run that contains Han characters, as alnum tokens."""
    out: list[str] = []
    for piece in segmenter().cut(run, HMM=False):
        out.extend(WORD_RE.findall(piece))
    return out


def _han_extras(words: list[str]) -> list[str]:
    """Dictionary words inside long words, plus every Han bigram of the run."""
    seg = segmenter()
    extras: list[str] = []
    for w in words:
        # Three-character dictionary words inside longer words (信用卡 in 信用卡中心); shorter
        # ones are among the bigrams below.
        if len(w) > 3 and is_han(w):
            extras.extend(w[i:i + 3] for i in range(len(w) - 2) if seg.FREQ.get(w[i:i + 3]))
    for run in HAN_RUN_RE.findall("".join(w for w in words)):
        extras.extend(run[i:i + 2] for i in range(len(run) - 1))
    main = set(words)
    return [e for e in extras if e not in main]


def index_tokens(text: str) -> list[str]:
    """All tokens of ``text`` for an index: main tokens in order, then Han extras."""
    main: list[str] = []
    extras: list[str] = []
    for word in WORD_RE.findall(fold(text)):
        if is_han(word):
            words = _han_words(word)
            main.extend(words)
            extras.extend(_han_extras(words))
        else:
            main.append(word)
    return main + extras


def query_words(text: str) -> list[str]:
    """Text as words: Latin words whole; Han runs cut by jieba, with consecutive single
    characters (an unknown word) joined back into bigrams so they match the index's bigrams."""
    out: list[str] = []
    for word in WORD_RE.findall(fold(text)):
        if not is_han(word):
            out.append(word)
            continue
        singles: list[str] = []
        for w in _han_words(word) + [""]:
            if len(w) == 1 and is_han(w):
                singles.append(w)
                continue
            if singles:
                out.extend(["".join(singles[i:i + 2]) for i in range(len(singles) - 1)] or singles)
                singles = []
            if w:
                out.append(w)
    return out


def index_text(text: str) -> str:
    """Tokens joined by spaces: the form stored in an FTS5 column."""
    return " ".join(index_tokens(text))
