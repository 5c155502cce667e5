"""The measuring instruments of the routing evaluation (pure: no Flask, no database, no numpy).

* :func:`rank_of` - 1-based position of a user in a ranked list, cut at ``k_max``.
* :func:`gini` - the standard Gini coefficient of non-negative values.
* :func:`percentile` - linear interpolation between order statistics (numpy's default).
* :func:`bootstrap_intervals` - percentile 95% intervals of column means and of quantities
  derived from them, every column resampled with the *same* indices in a round, so paired
  comparisons (router vs baseline) keep their pairing.
* :class:`History` and :func:`iter_baselines` - the dump's questions and answers, and the
  popularity and tag-count baselines computed from them (definitions: app.lab.experts_evaluate).
"""
from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import combinations


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with its bootstrap interval; any part is None when undefined
    (empty evaluation set, zero denominator, or no bootstrap rounds)."""
    value: float | None
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high}


def rank_of(ranked: Sequence[int], user: int, k_max: int) -> int | None:
    """1-based position of ``user``'s first occurrence in ``ranked[:k_max]``, else None."""
    for position, candidate in enumerate(ranked[:k_max], start=1):
        if candidate == user:
            return position
    return None


def gini(values: Sequence[float]) -> float:
    """Gini of non-negative ``values``: ``2*sum(i*x_i)/(n*sum(x)) - (n+1)/n`` over the values
    sorted ascending, i from 1. 0 for an empty list or all zeros; (n-1)/n when one holds all.
    Raises ValueError for a negative value (a load cannot be negative)."""
    xs = sorted(values)
    if xs and xs[0] < 0:
        raise ValueError("gini() needs non-negative values")
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum(i * x for i, x in enumerate(xs, start=1))
    return 2 * weighted / (n * total) - (n + 1) / n


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of already sorted values, interpolating linearly between the
    two nearest order statistics. Raises ValueError on an empty sequence."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    position = q * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


Column = tuple[Sequence[float], Sequence[int] | None]
Derived = Callable[[Mapping[str, float | None]], float | None]


def column_mean(values: Sequence[float], mask: Sequence[int] | None) -> float | None:
    """Mean of ``values`` over all rows (``mask`` None) or over the rows whose mask is 1
    (values outside the mask must be 0). None when no row counts."""
    count = len(values) if mask is None else sum(mask)
    return sum(values) / count if count else None


def bootstrap_intervals(columns: Mapping[str, Column], *, rounds: int, seed: int,
                        derived: Mapping[str, Derived] | None = None,
                        level: float = 0.95) -> dict[str, tuple[float | None, float | None]]:
    """Percentile bootstrap intervals of each column's mean and of each derived quantity.

    ``columns`` maps a name to ``(values, mask)``, all of the same length n (one row per
    evaluated question); ``mask`` (0/1 per row) restricts the mean to a subgroup, as in
    :func:`column_mean`. Each round draws n row indices with replacement from
    ``random.Random(seed)`` and uses them for every column; ``derived`` functions receive that
    round's means by name. Rounds where a quantity is None (empty subgroup, zero denominator)
    are left out of its interval. Returns name -> (low, high), (None, None) when n == 0,
    ``rounds`` == 0 or no round defined the quantity. Deterministic for a given seed.
    """
    derived = dict(derived or {})
    names = list(columns) + list(derived)
    lengths = {len(values) for values, _ in columns.values()}
    if len(lengths) > 1:
        raise ValueError("bootstrap columns must have the same length")
    n = next(iter(lengths), 0)
    samples: dict[str, list[float]] = {name: [] for name in names}
    if n and rounds > 0:
        rng = random.Random(seed)
        population = range(n)
        for _ in range(rounds):
            idx = rng.choices(population, k=n)
            # A mask is shared by several columns (the cold-start ones): count it once per round.
            mask_counts: dict[int, int] = {}
            means: dict[str, float | None] = {}
            for name, (values, mask) in columns.items():
                total = sum(map(values.__getitem__, idx))
                if mask is None:
                    count = n
                else:
                    if id(mask) not in mask_counts:
                        mask_counts[id(mask)] = sum(map(mask.__getitem__, idx))
                    count = mask_counts[id(mask)]
                means[name] = total / count if count else None
            for name, fn in derived.items():
                means[name] = fn(means)
            for name in names:
                if means[name] is not None:
                    samples[name].append(means[name])
    tail = (1 - level) / 2
    out: dict[str, tuple[float | None, float | None]] = {}
    for name in names:
        values = sorted(samples[name])
        out[name] = (percentile(values, tail), percentile(values, 1 - tail)) if values else (None, None)
    return out


# --- history and the two baselines --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Question:
    id: int
    owner: int | None
    created: datetime
    tags: frozenset[str]
    accepted_answer_id: int | None


@dataclass(frozen=True, slots=True)
class Answer:
    id: int
    parent_id: int
    owner: int | None
    created: datetime


@dataclass
class History:
    questions: dict[int, Question] = field(default_factory=dict)
    answers: dict[int, Answer] = field(default_factory=dict)

    def accepted_answerer(self, question: Question) -> int | None:
        answer = self.answers.get(question.accepted_answer_id) if question.accepted_answer_id else None
        return answer.owner if answer else None


@dataclass(frozen=True, slots=True)
class BaselineRow:
    question: Question
    popularity: list[int]
    tag_count: list[int]
    answerer_earlier: int     # answers by the accepted answerer created before t (0 if unknown)


@lru_cache(maxsize=4096)
def _subsets(tags: frozenset[str]) -> tuple[tuple[frozenset[str], int], ...]:
    """Non-empty subsets with their inclusion-exclusion sign (+ odd size, - even size)."""
    items = sorted(tags)
    return tuple((frozenset(c), 1 if size % 2 else -1)
                 for size in range(1, len(items) + 1) for c in combinations(items, size))


def _tag_totals(by_subset: Mapping[frozenset[str], dict[int, int]], tags: frozenset[str]) -> dict[int, int]:
    """user -> number of answers to questions sharing a tag with ``tags``, each answer once
    (inclusion-exclusion over the subsets). The result may be a live counter: read it only."""
    subsets = _subsets(tags)
    if len(subsets) == 1:
        return by_subset.get(subsets[0][0], {})
    totals: dict[int, int] = {}
    for subset, sign in subsets:
        counts = by_subset.get(subset)
        if not counts:
            continue
        if not totals:          # the first non-empty subset is a single tag (sign +): copy in C
            totals = dict(counts)
            continue
        get = totals.get
        for user, n in counts.items():
            totals[user] = get(user, 0) + sign * n
    return totals


def iter_baselines(history: History, question_ids: Iterable[int], k_max: int) -> Iterator[BaselineRow]:
    """Popularity and tag-count lists (length <= k_max) for the given dump questions, in time order.

    One pass over questions and answers sorted by time with running counters: at equal times
    questions come first, so only answers strictly earlier count. Popularity keeps the top
    k_max + 1 users incrementally (keys only grow, so nobody outside can overtake without
    answering), enough to drop the asker and to fill tag-count. Tag-count counts each answer
    once even when several of its tags match: per tag *subset* U, the answers whose question has
    all tags of U, combined by inclusion-exclusion over the subsets of the asked question's tags.
    """
    wanted = {qid for qid in question_ids if qid in history.questions}
    events: list[tuple[datetime, int, int]] = [(history.questions[q].created, 0, q) for q in wanted]
    events += [(a.created, 1, a.id) for a in history.answers.values() if a.owner is not None]
    events.sort()
    count: dict[int, int] = defaultdict(int)
    last: dict[int, datetime] = {}
    by_subset: dict[frozenset[str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    top: list[int] = []           # popularity order, best first, at most k_max + 1 users
    cap = k_max + 1

    def key(user: int) -> tuple:
        return count[user], last[user], -user

    for created, kind, ident in events:
        if kind == 1:
            answer = history.answers[ident]
            user = answer.owner
            count[user] += 1
            last[user] = created
            parent = history.questions.get(answer.parent_id)
            for subset, _ in _subsets(parent.tags) if parent else ():
                by_subset[subset][user] += 1
            if user in top:
                pos = top.index(user)
            elif len(top) < cap:
                top.append(user)
                pos = len(top) - 1
            elif key(user) > key(top[-1]):
                top[-1] = user
                pos = cap - 1
            else:
                continue
            while pos > 0 and key(top[pos - 1]) < key(user):   # bubble up: only this key grew
                top[pos - 1], top[pos] = top[pos], top[pos - 1]
                pos -= 1
            continue
        question = history.questions[ident]
        asker = question.owner
        popularity = [u for u in top if u != asker][:k_max]
        totals = _tag_totals(by_subset, question.tags)
        if len(totals) > cap:
            # Only users tied with or above the (k_max+1)-th count can make the list: find that
            # count on bare ints (fast) before building full sort keys for the few that remain.
            floor = heapq.nlargest(cap, totals.values())[-1]
            pool = [u for u, n in totals.items() if n >= floor and u != asker]
        else:
            pool = [u for u in totals if u != asker]
        tag_count = heapq.nlargest(k_max, pool, key=lambda u: (totals[u],) + key(u))
        chosen = set(tag_count)
        for user in popularity:
            if len(tag_count) >= k_max:
                break
            if user not in chosen:
                tag_count.append(user)
        answerer = history.accepted_answerer(question)
        yield BaselineRow(question, popularity, tag_count, count.get(answerer, 0) if answerer is not None else 0)
