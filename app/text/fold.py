"""Folding and the character classes every tokenizer here relies on (pure).

Everything that reaches an index goes through :func:`fold` and is cut into plain
letters-and-digits words (:data:`WORD_RE`), so an engine's own tokenizer only has to split on
spaces and text can never carry engine syntax.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# A word is a run of letters and digits (no underscore), as FTS5 unicode61 sees it.
WORD_RE = re.compile(r"[^\W_]+")
HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
HAN_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")
LETTERS_RE = re.compile(r"^[^\W\d_]+$")


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """One character folded: NFKC (full width to half width), casefold, accents removed."""
    s = unicodedata.normalize("NFKC", ch).casefold()
    if s.isascii():
        return s
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", s)


def fold(text: str) -> str:
    """The text as an index sees it. Folds per character, so offsets map back (search's
    highlighter relies on it)."""
    text = text or ""
    if text.isascii():
        return text.lower()
    return "".join(fold_char(c) for c in text)


def is_han(token: str) -> bool:
    return bool(HAN_RE.search(token))


def is_spellable(token: str) -> bool:
    """Tokens eligible for typo tolerance and prefix expansion: letters only, not Han."""
    return bool(LETTERS_RE.match(token)) and not is_han(token)
