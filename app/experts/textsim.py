"""Who has written about this? Text profiles of users, scored with BM25 (pure: no Flask, no db).

A user's profile is the weighted term frequencies of every document added for them (their
answers with the question's title, the questions they asked, ...). A query is scored against
every profile sharing one of its terms through an inverted index term -> {user: tf}; profiles
are the "documents" of BM25, so idf counts users, and the length normalisation keeps someone who
wrote about everything from outranking the person who wrote about *this*.

Scopes. Every document is added in a scope (an opaque key: the expertise index uses the
question's visibility, "public", "internal" or ("team", id)), and a query names the scopes it
may read. The score is exact BM25 over the union of those scopes: a person's tf is the sum of
their tfs in them, lengths and user counts are taken over them too, so text in a scope the
reader may not see neither ranks anyone nor shifts anyone's score. No scopes named means all of
them (routing, which shows its ranking only to moderators and to the person asked). A query over
one scope (the common case: a public site) costs what an unscoped one did.

Scale. Each term's postings live, per scope, in a :class:`app.experts.graph.Column` (numpy
arrays of dense user indexes and tfs, written in place), so a query is one vectorised BM25 step
per term and a partial sort: a common word held by 40,000 people costs a scatter-add, not 40,000
Python steps.

Bounds and the approximation they cost. Within a document a term counts 1 + log(count), and a
document keeps at most ``max_terms_per_user`` terms (its most frequent). A profile (one user in
one scope) is pruned back to its ``max_terms_per_user`` strongest terms (by weighted tf, ties to
the newest; idf moves with the population, raw weight does not) when it passes 5/4 of that. A
pruned term is forgotten: if later documents bring it back it restarts from their weight, and
removing an old document that held it subtracts from the new weight (never below zero).
Everything else is exact: adding and removing documents are inverses, and scores are full BM25
(no cut-off).
"""
from __future__ import annotations

import html
import math
import re
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable
from heapq import nlargest

import numpy as np

from app.experts.columns import Column, top_hits
from app.text import STOP_WORDS, query_words

# Tags and comments only: "fees < 100 and > 50" in Markdown keeps its words.
TAG_RE = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)
K1 = 1.2     # tf saturation: the 50th mention of a word adds little over the 10th
B = 0.75     # length normalisation
EPSILON = 1e-9


def tokenize(text: str) -> list[str]:
    """Words of ``text`` for profiles and queries, in order, repeated as often as they occur.

    HTML tags are removed and entities decoded, then the shared text analysis folds (width,
    case, accents) and cuts words, Chinese runs by jieba (app.text.query_words, so the query and
    profile sides segment alike, and alike with search). Stop words and one-character ASCII
    tokens go."""
    if not text:
        return []
    text = html.unescape(TAG_RE.sub(" ", text))
    return [w for w in query_words(text) if w not in STOP_WORDS and (len(w) > 1 or not w.isascii())]


PUBLIC = "public"


class _Doc:
    __slots__ = ("scope", "terms", "user", "weights")

    def __init__(self, user: int, scope: Hashable, terms: array, weights: array) -> None:
        self.user, self.scope, self.terms, self.weights = user, scope, terms, weights


class _Scope:
    """One scope's share of the profiles: postings by term, tfs by user, profile lengths."""
    __slots__ = ("live_terms", "postings", "profiles", "terms", "total_length", "users", "lengths")

    def __init__(self) -> None:
        self.terms: dict[int, Column] = {}              # term id -> {user index: tf}
        self.profiles: dict[int, dict[int, float]] = {}  # user index -> {term id: tf}, as in terms
        self.lengths = np.zeros(64)                      # user index -> sum of tfs
        self.total_length = 0.0
        self.users = 0                                   # users with a non-empty profile here
        self.live_terms = 0
        self.postings = 0


class TextProfiles:
    """Users' weighted term profiles by scope and a BM25 search over chosen scopes. Not
    thread-safe: the caller holds one lock around writes and reads (app/experts/index.py)."""

    def __init__(self, *, max_terms_per_user: int = 400):
        if max_terms_per_user < 1:
            raise ValueError("max_terms_per_user must be positive")
        self.max_terms_per_user = max_terms_per_user
        self._vocab: dict[str, int] = {}
        self._scopes: dict[Hashable, _Scope] = {}
        self._docs: dict[Hashable, _Doc] = {}
        self._uidx: dict[int, int] = {}
        self._uids: list[int] = [-1]                    # index 0: the Columns' holes

    # --- writing ---------------------------------------------------------------------------
    def add(self, user: int, doc_key: Hashable, tokens: list[str], *, weight: float = 1.0,
            scope: Hashable = PUBLIC) -> None:
        """Add a document's tokens to ``user``'s profile in ``scope``, scaled by ``weight`` (> 0;
        otherwise nothing is added). Re-adding a key replaces that document, whoever it belonged
        to and whatever its scope was (a question that changed visibility moves)."""
        self.remove(doc_key)
        if not tokens or weight <= 0:
            return
        counts = Counter(tokens)
        if len(counts) > self.max_terms_per_user:
            counts = dict(counts.most_common(self.max_terms_per_user))
        ui = self._uidx.get(user)
        if ui is None:
            ui = self._uidx[user] = len(self._uids)
            self._uids.append(user)
        sc = self._scopes.get(scope)
        if sc is None:
            sc = self._scopes[scope] = _Scope()
        if ui >= len(sc.lengths):
            sc.lengths = np.concatenate([sc.lengths, np.zeros(max(len(sc.lengths), ui + 1 - len(sc.lengths)))])
        # Stored as float32 and added back from the stored values, so remove() subtracts
        # exactly what add() added.
        tids = [self._term_id(t) for t in counts]   # the vocabulary's int objects: shared keys
        weights = array("f", (weight * (1.0 + math.log(c)) for c in counts.values()))
        self._docs[doc_key] = _Doc(ui, scope, array("I", tids), weights)
        profile = sc.profiles.setdefault(ui, {})
        had = bool(profile)
        change = sum(self._bump(sc, ui, profile, tid, w) for tid, w in zip(tids, weights))
        if len(profile) > self.max_terms_per_user * 5 // 4:
            # Ties go to the newer terms (later in the dict): what the person writes about now.
            keep = set(nlargest(self.max_terms_per_user, reversed(profile), key=profile.__getitem__))
            change += sum(self._bump(sc, ui, profile, tid, -tf) for tid, tf in list(profile.items())
                          if tid not in keep)
        self._settle(sc, ui, profile, had, change)

    def remove(self, doc_key: Hashable) -> None:
        """Take a document out of its user's profile; unknown keys are ignored."""
        doc = self._docs.pop(doc_key, None)
        if doc is None:
            return
        sc = self._scopes[doc.scope]
        profile = sc.profiles.get(doc.user, {})
        had = bool(profile)
        change = sum(self._bump(sc, doc.user, profile, tid, -w) for tid, w in zip(doc.terms, doc.weights))
        self._settle(sc, doc.user, profile, had, change)

    def _settle(self, sc: _Scope, ui: int, profile: dict, had: bool, change: float) -> None:
        """Book a profile's change of length. An emptied profile leaves its scope with a length
        of exactly 0 (no float residue), which is how a union of scopes counts its users."""
        old = sc.lengths[ui]
        new = max(old + change, 0.0) if profile else 0.0
        if not profile:
            sc.profiles.pop(ui, None)
        sc.lengths[ui] = new
        sc.total_length += new - old
        sc.users += bool(profile) - had

    def _term_id(self, term: str) -> int:
        tid = self._vocab.get(term)
        if tid is None:
            tid = self._vocab[term] = len(self._vocab)
        return tid

    @staticmethod
    def _bump(sc: _Scope, ui: int, profile: dict[int, float], tid: int, delta: float) -> float:
        """Change one tf (dropping it at zero); returns the change in the profile's length."""
        old = profile.get(tid, 0.0)
        new = old + delta
        if new <= EPSILON:
            if old == 0.0:
                return 0.0     # a pruned term's document going away
            term = sc.terms[tid]
            term.remove(ui)
            del profile[tid]
            sc.postings -= 1
            if not len(term):
                del sc.terms[tid]
                sc.live_terms -= 1
            return -old
        term = sc.terms.get(tid)
        if term is None:
            term = sc.terms[tid] = Column()
            sc.live_terms += 1
        if old == 0.0:
            sc.postings += 1
        profile[tid] = new
        term.set(ui, new)
        return new - old

    # --- reading ----------------------------------------------------------------------------
    def similar(self, tokens: list[str], *, limit: int = 200, scopes: Iterable[Hashable] | None = None
                ) -> dict[int, float]:
        """{user: BM25 score / the best} for users sharing a term with ``tokens`` in ``scopes``
        (None: every scope): at most ``limit``, the highest; the best is exactly 1.0; {} when
        nobody shares a term. A term repeated in the query counts 1 + log(count)."""
        names = self._scopes if scopes is None else dict.fromkeys(scopes)
        chosen = [self._scopes[s] for s in names if s in self._scopes and self._scopes[s].users]
        if not tokens or not chosen or limit <= 0:
            return {}
        size = len(self._uids)
        if len(chosen) == 1:
            sc = chosen[0]
            n, lengths, total = sc.users, sc.lengths, sc.total_length
        else:
            lengths = np.zeros(size)
            for sc in chosen:
                m = min(len(sc.lengths), size)
                lengths[:m] += sc.lengths[:m]
            n, total = int(np.count_nonzero(lengths)), float(lengths.sum())
        avg = max(total / n, EPSILON)
        scores = np.zeros(size)
        summed = np.zeros(size) if len(chosen) > 1 else None   # scratch for tfs summed over scopes
        seeds = []
        for term, count in Counter(tokens).items():
            tid = self._vocab.get(term)
            columns = [c for c in (sc.terms.get(tid) for sc in chosen) if c] if tid is not None else []
            if not columns:
                continue
            if len(columns) == 1:
                idx, tf = columns[0].live()
                df = len(columns[0])
            else:  # a person's tf is the sum over the scopes read
                # O(postings), neither a sort nor a pass over every user: a person enters the
                # term's list from the first column they appear in (their sum is still 0), and
                # indexes are unique within a column, so += adds per person.
                firsts = []
                for c in columns:
                    i, t = c.live()
                    firsts.append(i[summed[i] == 0.0])
                    summed[i] += t
                idx = np.concatenate(firsts)
                idx = idx[idx != 0]      # the columns' holes
                tf, df = summed[idx], len(idx)
                summed[idx] = 0.0
            q = math.log(1.0 + (n - df + 0.5) / (df + 0.5)) * (1.0 + math.log(count)) * (K1 + 1.0)
            # Indexes are unique within a term (holes aside: slot 0, tf 0), so += is a scatter-add.
            scores[idx] += q * tf / (tf + K1 * (1.0 - B + B * lengths[idx] / avg))
            seeds.extend(c.strongest(limit) for c in columns)
        scores[0] = 0.0
        hits = top_hits(scores, seeds, limit)
        if not len(hits):
            return {}
        best = scores[hits].max()
        ids = [self._uids[i] for i in hits.tolist()]
        order = np.lexsort((np.asarray(ids, dtype=np.int64), -scores[hits]))
        return {ids[j]: float(scores[hits[j]] / best) for j in order.tolist()}

    def has_profile(self, user: int, scopes: Iterable[Hashable] | None = None) -> bool:
        """Whether any document with a term is recorded for ``user`` (in ``scopes``; None: any)."""
        ui = self._uidx.get(user)
        names = self._scopes if scopes is None else scopes
        return ui is not None and any(ui in self._scopes[s].profiles for s in names if s in self._scopes)

    @property
    def scopes(self) -> list[Hashable]:
        """Scopes holding at least one profile."""
        return [name for name, sc in self._scopes.items() if sc.users]

    @property
    def stats(self) -> dict:
        """users: with a profile in some scope; terms: held by someone; postings: (user, term,
        scope) triples; documents."""
        users = set().union(*(sc.profiles for sc in self._scopes.values()))
        terms = set().union(*(sc.terms for sc in self._scopes.values()))
        return {"users": len(users), "terms": len(terms),
                "postings": sum(sc.postings for sc in self._scopes.values()), "documents": len(self._docs)}
