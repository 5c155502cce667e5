"""Typo tolerance by symmetric deletion (SymSpell style), pure functions.

A vocabulary term is stored under every string obtained by deleting up to *d* of its letters;
a query word looks up its own deletions, and the few terms found are verified with the
optimal-string-alignment distance (a swap of neighbours counts as one typo). Budgets follow
Meilisearch's defaults: one typo from 5 letters, two from 9. So terms of 4-6 letters need
their 1-deletions (a 5-letter query with one extra letter hits a 4-letter term) and terms of 7
letters or more their 2-deletions (a 9-letter query two letters longer hits a 7-letter term).
"""
from __future__ import annotations

ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9
MAX_TERM_LENGTH = 24  # longer "words" are identifiers or junk; not worth correcting


def max_typos(word: str) -> int:
    n = len(word)
    return 2 if n >= TWO_TYPOS_FROM else 1 if n >= ONE_TYPO_FROM else 0


def deletes(word: str, depth: int) -> set[str]:
    """``word`` and every string made by deleting up to ``depth`` of its characters."""
    out = frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier if len(w) > 1 for i in range(len(w))}
        out = out | frontier
    return out


def term_keys(term: str) -> set[str]:
    """Keys under which a vocabulary term is stored (empty: the term is never a correction)."""
    n = len(term)
    if n < ONE_TYPO_FROM - 1 or n > MAX_TERM_LENGTH:
        return set()
    return deletes(term, 2 if n >= TWO_TYPOS_FROM - 2 else 1)


def query_keys(word: str) -> set[str]:
    """Keys a query word looks up; empty when the word is too short for typos."""
    budget = max_typos(word)
    return deletes(word, budget) if budget and len(word) <= MAX_TERM_LENGTH else set()


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds
    ``limit`` (rows are cut off early, so far-apart words cost little)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1


def corrections(word: str, candidates: dict[str, int], *, limit: int = 5) -> list[str]:
    """Vocabulary ``candidates`` (term -> document count) within ``word``'s typo budget,
    nearest first, then most frequent; ``word`` itself is excluded."""
    budget = max_typos(word)
    scored = []
    for term, count in candidates.items():
        if term == word:
            continue
        d = distance(word, term, budget)
        if d <= budget:
            scored.append((d, -count, term))
    scored.sort()
    return [term for _, _, term in scored[:limit]]
