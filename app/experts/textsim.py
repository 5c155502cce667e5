"""Who has written about this? Text profiles of users, scored with BM25 (pure: no Flask, no db).

A user's profile is the weighted term frequencies of every document added for them (their
answers with the question's title, the questions they asked, ...). A query is scored against
every profile sharing one of its terms through an inverted index term -> {user: tf}; profiles
are the "documents" of BM25, so idf counts users, and the length normalisation keeps someone who
wrote about everything from outranking the person who wrote about *this*.

Scale. Each term's postings live in a :class:`app.experts.graph.Column` (numpy arrays of dense
user indexes and tfs, written in place), so a query is one vectorised BM25 step per term and a
partial sort: a common word held by 40,000 people costs a scatter-add, not 40,000 Python steps.

Bounds and the approximation they cost. Within a document a term counts 1 + log(count), and a
document keeps at most ``max_terms_per_user`` terms (its most frequent). A profile is pruned
back to its ``max_terms_per_user`` strongest terms (by weighted tf, ties to the newest; idf
moves with the population, raw weight does not) when it passes 5/4 of that. A pruned term is
forgotten: if later documents bring it back it restarts from their weight, and removing an old
document that held it subtracts from the new weight (never below zero). Everything else is
exact: adding and removing documents are inverses, and scores are full BM25 (no cut-off).
"""
from __future__ import annotations

import html
import math
import re
from array import array
from collections import Counter
from collections.abc import Hashable
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


class _Doc:
    __slots__ = ("terms", "user", "weights")

    def __init__(self, user: int, terms: array, weights: array) -> None:
        self.user, self.terms, self.weights = user, terms, weights


class TextProfiles:
    """Users' weighted term profiles and a BM25 search over them. Not thread-safe: the caller
    holds one lock around writes and reads (app/experts/index.py)."""

    def __init__(self, *, max_terms_per_user: int = 400):
        if max_terms_per_user < 1:
            raise ValueError("max_terms_per_user must be positive")
        self.max_terms_per_user = max_terms_per_user
        self._vocab: dict[str, int] = {}
        self._terms: list[Column] = []                  # term id -> {user index: tf}
        self._docs: dict[Hashable, _Doc] = {}
        self._uidx: dict[int, int] = {}
        self._uids: list[int] = [-1]                    # index 0: the Columns' holes
        self._profiles: list[dict[int, float]] = [{}]   # user index -> {term id: tf}, as in _terms
        self._lengths = np.zeros(64)                    # user index -> sum of tfs
        self._total_length = 0.0
        self._users = 0                                 # users with a non-empty profile
        self._live_terms = 0
        self._postings = 0

    # --- writing ---------------------------------------------------------------------------
    def add(self, user: int, doc_key: Hashable, tokens: list[str], *, weight: float = 1.0) -> None:
        """Add a document's tokens to ``user``'s profile, scaled by ``weight`` (> 0; otherwise
        nothing is added). Re-adding a key replaces that document, whoever it belonged to."""
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
            self._profiles.append({})
            if ui >= len(self._lengths):
                self._lengths = np.concatenate([self._lengths, np.zeros(len(self._lengths))])
        # Stored as float32 and added back from the stored values, so remove() subtracts
        # exactly what add() added.
        tids = [self._term_id(t) for t in counts]   # the vocabulary's int objects: shared keys
        weights = array("f", (weight * (1.0 + math.log(c)) for c in counts.values()))
        self._docs[doc_key] = _Doc(ui, array("I", tids), weights)
        profile = self._profiles[ui]
        had = bool(profile)
        change = sum(self._bump(ui, profile, tid, w) for tid, w in zip(tids, weights))
        if len(profile) > self.max_terms_per_user * 5 // 4:
            # Ties go to the newer terms (later in the dict): what the person writes about now.
            keep = set(nlargest(self.max_terms_per_user, reversed(profile), key=profile.__getitem__))
            change += sum(self._bump(ui, profile, tid, -tf) for tid, tf in list(profile.items()) if tid not in keep)
        self._length(ui, change)
        self._users += bool(profile) - had

    def remove(self, doc_key: Hashable) -> None:
        """Take a document out of its user's profile; unknown keys are ignored."""
        doc = self._docs.pop(doc_key, None)
        if doc is None:
            return
        profile = self._profiles[doc.user]
        had = bool(profile)
        self._length(doc.user, sum(self._bump(doc.user, profile, tid, -w) for tid, w in zip(doc.terms, doc.weights)))
        self._users -= had and not profile

    def _term_id(self, term: str) -> int:
        tid = self._vocab.get(term)
        if tid is None:
            tid = self._vocab[term] = len(self._terms)
            self._terms.append(Column())
        return tid

    def _bump(self, ui: int, profile: dict[int, float], tid: int, delta: float) -> float:
        """Change one tf (dropping it at zero); returns the change in the profile's length."""
        term = self._terms[tid]
        old = profile.get(tid, 0.0)
        new = old + delta
        if new <= EPSILON:
            if old == 0.0:
                return 0.0     # a pruned term's document going away
            term.remove(ui)
            del profile[tid]
            self._postings -= 1
            self._live_terms -= not len(term)
            return -old
        if old == 0.0:
            self._postings += 1
            self._live_terms += not len(term)
        profile[tid] = new
        term.set(ui, new)
        return new - old

    def _length(self, ui: int, change: float) -> None:
        self._lengths[ui] = max(self._lengths[ui] + change, 0.0)
        self._total_length += change

    # --- reading ----------------------------------------------------------------------------
    def similar(self, tokens: list[str], *, limit: int = 200) -> dict[int, float]:
        """{user: BM25 score / the best} for users sharing a term with ``tokens``: at most
        ``limit``, the highest; the best is exactly 1.0; {} when nobody shares a term. A term
        repeated in the query counts 1 + log(count)."""
        if not tokens or not self._users or limit <= 0:
            return {}
        n = self._users
        avg = max(self._total_length / n, EPSILON)
        lengths = self._lengths
        scores = np.zeros(len(self._uids))
        seeds = []
        for term, count in Counter(tokens).items():
            tid = self._vocab.get(term)
            t = self._terms[tid] if tid is not None else None
            if not t:
                continue
            df = len(t)
            q = math.log(1.0 + (n - df + 0.5) / (df + 0.5)) * (1.0 + math.log(count)) * (K1 + 1.0)
            idx, tf = t.live()
            # Indexes are unique within a term (holes aside: slot 0, tf 0), so += is a scatter-add.
            scores[idx] += q * tf / (tf + K1 * (1.0 - B + B * lengths[idx] / avg))
            seeds.append(t.strongest(limit))
        scores[0] = 0.0
        hits = top_hits(scores, seeds, limit)
        if not len(hits):
            return {}
        best = scores[hits].max()
        ids = [self._uids[i] for i in hits.tolist()]
        order = np.lexsort((np.asarray(ids, dtype=np.int64), -scores[hits]))
        return {ids[j]: float(scores[hits[j]] / best) for j in order.tolist()}

    def has_profile(self, user: int) -> bool:
        """Whether any document with a term is recorded for ``user``."""
        ui = self._uidx.get(user)
        return ui is not None and bool(self._profiles[ui])

    @property
    def stats(self) -> dict:
        """users: with a profile; terms: held by someone; postings: (user, term) pairs."""
        return {"users": self._users, "terms": self._live_terms, "postings": self._postings,
                "documents": len(self._docs)}
