"""The expertise graph: who answered what, in which tags, for whom (pure: no Flask, no database).

Nodes are users and tags. A user -> tag edge aggregates that user's answers in the tag (answers,
accepted, score, weight); an asker -> answerer edge (ExpertiseRank, Zhang et al. 2007) says
"A's question was answered by B", so PageRank on those edges favours people who answer the
people who themselves answer. ``to_networkx()`` exports both as one ``nx.DiGraph`` with nodes
``("u", id)`` and ``("t", name)``.

Why the live structure is plain dicts of slotted records and not an ``nx.DiGraph``: the same
1M user-tag edges took 640 MB (tracemalloc) as networkx attribute dicts against 255 MB here,
and nothing on the request path needs a graph algorithm networkx does well.

Weights and time. An answer contributes ``(1 + accepted_bonus*accepted + vote_weight*max(score,
0)) * 2**-(age / half_life)``. Every weight shares the factor 2**-(now/half_life), which cancels
in every ratio the callers see, so an answer is stored *anchored*: base * 2**((at - EPOCH) /
half_life), and nothing is ever re-decayed. The anchored value is a Python int in units of
2**-PRECISION: ints never overflow (2100 is 2**203 above 2000; floats would overflow past
~2500 and need rescaling), and integer sums make add/update/remove exact inverses, so a
long-lived process accumulates no drift. Ratios come from int/int true division, which Python
rounds correctly for any size.

Reading. ``tag_expertise`` is exact and vectorised: each tag mirrors its users' weights in a
:class:`Column` (numpy arrays of dense user indexes and weight / a per-tag scale, written in
place on every change), so a query is a scatter-add per tag and one partial sort, not a Python
loop over a huge tag's users, and no write ever waits for a rebuild.
"""
from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from scipy import sparse

from app.experts.columns import Column, top_hits

EPOCH = datetime(2000, 1, 1)
PRECISION = 128          # bits below 2**0 at EPOCH: answers back to ~1963 keep full precision
PAGERANK_TOL = 1e-8      # absolute L1 change between iterations, whatever the number of users
PAGERANK_MAX_ITER = 100


@dataclass(frozen=True, slots=True)
class TagEvidence:
    """One tag of a user's evidence. ``weight`` is in fresh-answer equivalents as of the newest
    answer in the graph (an accepted answer counts 1 + accepted_bonus)."""
    tag: str
    answers: int
    accepted: int
    score: int
    weight: float


class _Edge:
    """user -> tag: the user's answers carrying the tag."""
    __slots__ = ("accepted", "answers", "score", "weight")

    def __init__(self) -> None:
        self.answers = self.accepted = self.score = self.weight = 0


class _Link:
    """asker -> answerer."""
    __slots__ = ("answers", "weight")

    def __init__(self) -> None:
        self.answers = self.weight = 0


class _Answer:
    __slots__ = ("accepted", "answerer", "asker", "contribution", "exponent", "score", "tags")


class _Tag(Column):
    """A tag: its users' weights / ``scale`` (an anchored int) by dense user index."""
    __slots__ = ("answers", "scale")

    def __init__(self) -> None:
        super().__init__()
        self.answers = 0
        self.scale = 0


def exponent_of(at: datetime, half_life_days: float) -> float:
    """Half-lives from EPOCH to ``at`` (aware datetimes are converted to naive UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return (at - EPOCH).total_seconds() / (half_life_days * 86400.0)


def anchored(base: float, exponent: float) -> int:
    """``base * 2**exponent`` as an int in units of 2**-PRECISION, at least 1 (a positive
    weight even for an answer from centuries before EPOCH)."""
    whole = math.floor(exponent)
    mantissa, bits = math.frexp(base * 2.0 ** (exponent - whole))
    shift = whole + bits - 53 + PRECISION
    m = int(mantissa * (1 << 53))
    return max(m << shift if shift >= 0 else m >> -shift, 1)


def as_of(value: int, exponent: float) -> float:
    """An anchored ``value`` decayed to the moment ``exponent`` (half-lives after EPOCH)."""
    drop = max(value.bit_length() - 53, 0)
    whole = math.floor(exponent)
    try:
        return math.ldexp((value >> drop) / 2.0 ** (exponent - whole), drop - PRECISION - whole)
    except OverflowError:
        return math.inf


class ExpertiseGraph:
    """Users, tags and questions' answer relations as a graph (ExpertiseRank-style), kept
    incrementally; ``to_networkx()`` exports it. Not thread-safe: the caller holds one lock
    around writes and reads (app/experts/index.py)."""

    def __init__(self, *, half_life_days: float = 180.0, accepted_bonus: float = 2.0,
                 vote_weight: float = 0.25, damping: float = 0.85):
        if half_life_days <= 0 or not 0 < damping < 1 or accepted_bonus < 0 or vote_weight < 0:
            raise ValueError("half_life_days > 0, 0 < damping < 1, bonuses >= 0")
        self.half_life_days = half_life_days
        self.accepted_bonus = accepted_bonus
        self.vote_weight = vote_weight
        self.damping = damping
        self._answers: dict[int, _Answer] = {}
        self._tags: dict[str, _Tag] = {}
        self._by_user: dict[int, dict[str, _Edge]] = {}
        self._answer_counts: dict[int, int] = {}
        self._refs: dict[int, int] = {}        # user -> answers naming them (answerer or asker)
        self._links: dict[tuple[int, int], _Link] = {}
        self._uidx: dict[int, int] = {}        # user -> dense index in the tags' Columns
        self._uids: list[int] = [-1]           # index 0: the Columns' holes
        self._edges = 0
        self._latest = -math.inf               # exponent of the newest answer: evidence's "now"
        self._dirty = False
        self._authority: dict[int, float] = {}
        self._pr_users = np.empty(0, dtype=np.int64)
        self._pr_vector = np.empty(0)
        #: how the last refresh_authority went: nodes, edges, iterations, error, seconds, warm.
        self.last_refresh: dict = {}

    # --- writing ---------------------------------------------------------------------------
    def add_answer(self, answer_id: int, *, answerer: int | None, asker: int | None, tags: Iterable[str],
                   at: datetime, score: int = 0, accepted: bool = False) -> None:
        """Record an answer (re-adding an id replaces it). ``answerer`` None (a deleted account)
        records nothing; a self-answer makes no asker edge. Duplicate tags count once."""
        if answer_id in self._answers:
            self.remove_answer(answer_id)
        if answerer is None:
            return
        a = _Answer()
        a.answerer, a.asker = answerer, asker
        a.tags = tuple(dict.fromkeys(sys.intern(str(t)) for t in tags))
        a.exponent = exponent_of(at, self.half_life_days)
        a.score, a.accepted = int(score), bool(accepted)
        a.contribution = self._contribution(a.score, a.accepted, a.exponent)
        self._answers[answer_id] = a
        self._latest = max(self._latest, a.exponent)
        for tag in a.tags:
            self._bump(answerer, tag, 1, int(a.accepted), a.score, a.contribution)
        self._answer_counts[answerer] = self._answer_counts.get(answerer, 0) + 1
        for user in {answerer, asker} - {None}:
            self._refs[user] = self._refs.get(user, 0) + 1
        self._link(a, 1, a.contribution)

    def update_answer(self, answer_id: int, *, score: int | None = None, accepted: bool | None = None) -> None:
        """New score and/or accepted state of a recorded answer; unknown ids are ignored."""
        a = self._answers.get(answer_id)
        if a is None:
            return
        new_score = a.score if score is None else int(score)
        new_accepted = a.accepted if accepted is None else bool(accepted)
        if (new_score, new_accepted) == (a.score, a.accepted):
            return
        contribution = self._contribution(new_score, new_accepted, a.exponent)
        delta = contribution - a.contribution
        for tag in a.tags:
            self._bump(a.answerer, tag, 0, int(new_accepted) - int(a.accepted), new_score - a.score, delta)
        self._link(a, 0, delta)
        a.score, a.accepted, a.contribution = new_score, new_accepted, contribution

    def remove_answer(self, answer_id: int) -> None:
        """Forget an answer exactly (the inverse of add_answer); unknown ids are ignored."""
        a = self._answers.pop(answer_id, None)
        if a is None:
            return
        for tag in a.tags:
            self._bump(a.answerer, tag, -1, -int(a.accepted), -a.score, -a.contribution)
        self._decrement(self._answer_counts, a.answerer)
        for user in {a.answerer, a.asker} - {None}:
            self._decrement(self._refs, user)
        self._link(a, -1, -a.contribution)

    def _contribution(self, score: int, accepted: bool, exponent: float) -> int:
        base = 1.0 + self.accepted_bonus * accepted + self.vote_weight * max(score, 0)
        return anchored(base, exponent)

    @staticmethod
    def _decrement(counts: dict[int, int], key: int) -> None:
        if counts[key] == 1:
            del counts[key]
        else:
            counts[key] -= 1

    def _bump(self, user: int, tag: str, answers: int, accepted: int, score: int, weight: int) -> None:
        """Apply a change to the user -> tag edge and mirror it in the tag's Column."""
        t = self._tags.get(tag)
        if t is None:
            t = self._tags[tag] = _Tag()
        edges = self._by_user.get(user)
        if edges is None:
            edges = self._by_user[user] = {}
        edge = edges.get(tag)
        if edge is None:
            edge = edges[tag] = _Edge()
            self._edges += 1
            if user not in self._uidx:
                self._uidx[user] = len(self._uids)
                self._uids.append(user)
        edge.answers += answers
        edge.accepted += accepted
        edge.score += score
        edge.weight += weight
        t.answers += answers
        i = self._uidx[user]
        if edge.answers == 0:  # weights are exact ints: nothing is left behind
            del edges[tag]
            t.remove(i)
            self._edges -= 1
            if not edges:
                del self._by_user[user]
            if not len(t):
                del self._tags[tag]
        elif not t.scale:
            t.scale = edge.weight
            t.set(i, 1.0)
        else:
            if edge.weight.bit_length() - t.scale.bit_length() > 900:
                self._rescale(tag, t, edge.weight)   # centuries later: keep the floats finite
            t.set(i, edge.weight / t.scale)

    def _rescale(self, tag: str, t: _Tag, scale: int) -> None:
        t.scale = scale
        for i, p in t.pos.items():
            t.val[p] = self._by_user[self._uids[i]][tag].weight / scale

    def _link(self, a: _Answer, answers: int, weight: int) -> None:
        if a.asker is None or a.asker == a.answerer:
            return
        key = (a.asker, a.answerer)
        link = self._links.get(key)
        if link is None:
            link = self._links[key] = _Link()
        link.answers += answers
        link.weight += weight
        if link.answers == 0:
            del self._links[key]
        self._dirty = True

    # --- reading ----------------------------------------------------------------------------
    def tag_expertise(self, tags: Iterable[str], *, limit: int = 200) -> dict[int, float]:
        """{user: score in [0, 1]} for a question's tags, at most ``limit`` users, the highest.

        Per tag a user's weight is divided by the tag's largest; tags are combined by the mean
        weighted with idf = log(1 + answers / (1 + answers in the tag)), so a rare tag says
        more. Unknown tags are ignored; none known gives {}. Exact (no candidate cut-off)."""
        known = [self._tags[t] for t in dict.fromkeys(tags) if t in self._tags]
        if not known or limit <= 0:
            return {}
        total = len(self._answers)
        idfs = [math.log(1.0 + total / (1.0 + t.answers)) for t in known]
        norm = sum(idfs) or 1.0
        scores = np.zeros(len(self._uids))
        seeds = []
        for t, idf in zip(known, idfs):
            idx, val = t.live()
            # Indexes are unique within a tag (holes aside: slot 0), so += is a scatter-add.
            scores[idx] += (val / val.max()) * (idf / norm)
            seeds.append(t.strongest(limit))
        scores[0] = 0.0
        hits = top_hits(scores, seeds, limit)
        ids = [self._uids[i] for i in hits.tolist()]
        order = np.lexsort((np.asarray(ids, dtype=np.int64), -scores[hits]))
        return {ids[j]: min(float(scores[hits[j]]), 1.0) for j in order.tolist()}

    def top_experts(self, tag: str, *, limit: int = 20) -> list[tuple[int, float]]:
        """[(user, weight / the tag's largest weight)], strongest first (ties by user id)."""
        return list(self.tag_expertise([tag], limit=limit).items())

    def evidence(self, user: int, *, limit: int = 10) -> list[TagEvidence]:
        """The user's strongest tags with their counts: why the graph trusts them."""
        edges = self._by_user.get(user, {})
        ranked = sorted(edges.items(), key=lambda kv: (-kv[1].weight, kv[0]))[:limit]
        return [TagEvidence(tag, e.answers, e.accepted, e.score, as_of(e.weight, self._latest))
                for tag, e in ranked]

    def answer_count(self, user: int) -> int:
        """Recorded answers by ``user`` (tagged or not)."""
        return self._answer_counts.get(user, 0)

    def tags_of(self, user: int) -> set[str]:
        """Tags the user has answered in (a new set)."""
        return set(self._by_user.get(user, ()))

    @property
    def stats(self) -> dict:
        return {"users": len(self._refs), "tags": len(self._tags), "user_tag_edges": self._edges,
                "user_user_edges": len(self._links), "answers": len(self._answers)}

    # --- ExpertiseRank -----------------------------------------------------------------------
    def authority(self) -> dict[int, float]:
        """{user: ExpertiseRank / the largest} as of the last refresh_authority(); users with no
        asker/answerer edge are absent. A shared snapshot, replaced (never changed) by a refresh:
        do not modify it."""
        return self._authority

    def refresh_authority(self, *, force: bool = False) -> bool:
        """Recompute ExpertiseRank if asker -> answerer edges changed since the last run (or
        ``force``). Returns whether it ran.

        Our own power iteration, not ``nx.pagerank``, because that one rebuilds its scipy matrix
        from the Python graph on every call, always starts cold unless given ``nstart``, and
        stops when the L1 change is below ``N * tol``: with 100k users and tol 1e-6 that is 0.1,
        a loose answer that loosens as the site grows. Here: a CSR matrix of the row-normalised
        weights, dangling users' rank spread uniformly (as networkx does), a warm start from the
        previous vector for users still present, and a stop at an absolute L1 change of 1e-8
        (or 100 iterations, where the change is below 0.85**100 ~ 1e-7)."""
        if not (self._dirty or force):
            return False
        started = time.perf_counter()
        self._dirty = False
        m = len(self._links)
        if not m:
            self._authority, self._pr_users, self._pr_vector = {}, np.empty(0, dtype=np.int64), np.empty(0)
            self.last_refresh = {"nodes": 0, "edges": 0, "iterations": 0, "error": 0.0,
                                 "seconds": time.perf_counter() - started, "warm": False}
            return True
        out: dict[int, int] = {}
        for (asker, _), link in self._links.items():
            out[asker] = out.get(asker, 0) + link.weight
        src = np.fromiter((k[0] for k in self._links), dtype=np.int64, count=m)
        dst = np.fromiter((k[1] for k in self._links), dtype=np.int64, count=m)
        prob = np.fromiter((link.weight / out[k[0]] for k, link in self._links.items()), dtype=np.float64, count=m)
        users = np.unique(np.concatenate([src, dst]))
        n = len(users)
        si, di = np.searchsorted(users, src), np.searchsorted(users, dst)
        # Transposed (row = answerer) so one step is a matrix-vector product.
        matrix = sparse.csr_matrix((prob, (di, si)), shape=(n, n))
        dangling = np.ones(n, dtype=bool)
        dangling[si] = False
        x, warm = self._start(users)
        d = self.damping
        err, it = math.inf, 0
        for it in range(1, PAGERANK_MAX_ITER + 1):
            new = d * (matrix @ x + x[dangling].sum() / n) + (1.0 - d) / n
            err = float(np.abs(new - x).sum())
            x = new
            if err < PAGERANK_TOL:
                break
        self._pr_users, self._pr_vector = users, x
        self._authority = dict(zip(users.tolist(), (x / x.max()).tolist()))
        self.last_refresh = {"nodes": n, "edges": m, "iterations": it, "error": err,
                             "seconds": time.perf_counter() - started, "warm": warm}
        return True

    def _start(self, users: np.ndarray) -> tuple[np.ndarray, bool]:
        """The previous vector for users still present, 1/n for new ones, summing to 1."""
        n = len(users)
        x = np.full(n, 1.0 / n)
        prev = self._pr_users
        if not len(prev):
            return x, False
        pos = np.minimum(np.searchsorted(prev, users), len(prev) - 1)
        found = prev[pos] == users
        x[found] = self._pr_vector[pos[found]]
        return x / x.sum(), bool(found.any())

    # --- export ------------------------------------------------------------------------------
    def to_networkx(self):
        """The whole graph as an ``nx.DiGraph`` (analysis, tests): user -> tag edges
        (kind="answered", answers, accepted, score, weight) and asker -> answerer edges
        (kind="asked", answers, weight); weights as in TagEvidence. Built on demand: O(edges)."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(("u", u) for u in self._refs)
        g.add_nodes_from(("t", t) for t in self._tags)
        for user, edges in self._by_user.items():
            for tag, e in edges.items():
                g.add_edge(("u", user), ("t", tag), kind="answered", answers=e.answers, accepted=e.accepted,
                           score=e.score, weight=as_of(e.weight, self._latest))
        for (asker, answerer), link in self._links.items():
            g.add_edge(("u", asker), ("u", answerer), kind="asked", answers=link.answers,
                       weight=as_of(link.weight, self._latest))
        return g
