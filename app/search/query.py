"""What the user typed, parsed into clauses (pure: no Flask, no database).

The grammar is deliberately small and total: every string parses. Double quotes make a
phrase; an unmatched quote is ignored; every other character that is not part of a word
(``*``, ``-``, ``:``, ``(``, ``NEAR``'s parenthesis ...) only separates words. Words are the
analyzer's tokens (letters and digits only), so nothing a user types can become engine syntax.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.text import STOP_WORDS, query_words

MAX_QUERY_LENGTH = 500   # characters; longer queries are refused with a message
MAX_CLAUSES = 24         # words beyond this add nothing but cost


class QueryTooLong(ValueError):
    """The query exceeds MAX_QUERY_LENGTH characters."""


@dataclass(frozen=True)
class Clause:
    """One word, or the words of a quoted phrase, that a result should contain.

    ``exact``: quoted, so no typo tolerance or prefix; ``prefix``: the last word of a query
    typed without a trailing space (search as you type).
    """
    words: tuple[str, ...]
    exact: bool = False
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    clauses: tuple[Clause, ...]
    dropped_stop_words: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    @property
    def words(self) -> list[str]:
        return [w for c in self.clauses for w in c.words]


def _segments(text: str) -> list[tuple[str, bool]]:
    """(segment, quoted) pairs; a final unmatched quote does not open a phrase."""
    parts = text.split('"')
    if len(parts) % 2 == 0:  # odd number of quotes: merge the unterminated tail back
        parts = parts[:-2] + [parts[-2] + " " + parts[-1]]
    return [(p, i % 2 == 1) for i, p in enumerate(parts)]


def parse_query(text: str | None, *, prefix: bool = True) -> ParsedQuery:
    """Parse ``text``. Raises QueryTooLong; otherwise never fails (no words -> ``is_empty``).

    ``prefix``: treat the last word as a prefix when the text does not end in a space or quote.
    Stop words are dropped unless the query has nothing else.
    """
    text = text or ""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"at most {MAX_QUERY_LENGTH} characters")
    clauses: list[Clause] = []
    for segment, quoted in _segments(text):
        words = query_words(segment)
        if quoted and len(words) > 1:
            clauses.append(Clause(tuple(words), exact=True))
        else:
            clauses.extend(Clause((w,), exact=quoted) for w in words)
    clauses = clauses[:MAX_CLAUSES]
    kept = [c for c in clauses if c.is_phrase or c.words[0] not in STOP_WORDS]
    dropped = tuple(c.words[0] for c in clauses if c not in kept)
    if not kept:
        kept, dropped = clauses, ()
    if prefix and kept and text[-1:].strip() and text[-1] != '"':
        last = kept[-1]
        if not last.exact and not last.is_phrase and clauses and last is clauses[-1]:
            kept[-1] = Clause(last.words, prefix=True)
    return ParsedQuery(text=text, clauses=tuple(kept), dropped_stop_words=dropped)
