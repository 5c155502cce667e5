"""How candidates are scored for a question: the weights, in one place, and why (pure).

Each candidate arrives with features measured by the index and the routing service; this
module turns them into one score and the reasons a person can read ("why me"). Every
feature is already in [0, 1] except ``load``, so the weights say directly how much each
kind of evidence counts.

    relevance = tag·T + text·X + authority·A + volume·V + declared·D + subscribed·S
    score     = relevance × (presence + (1 − presence)·activity) / (1 + load_penalty·load)

Relevance is additive because the kinds of evidence stand in for each other: a new tag has no
graph expertise but text similarity still finds who wrote about it; a newcomer has no
answers but declared expertise. Activity multiplies: the best expert who has not been around
for months will not answer soon, whatever they know. Load divides, so a person with open
routed questions slides down smoothly instead of vanishing.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Weights:
    #: Graph expertise on the question's tags (decayed answers, acceptances, votes; per-tag
    #: normalised, rarer tags weigh more). The strongest single signal on real history.
    tag: float = 0.45
    #: Text similarity between the question and what the person answered (and, weakly, asked).
    #: Carries new tags and questions whose tags are too broad to separate people.
    text: float = 0.35
    #: ExpertiseRank: answered people whom other answerers asked. A tie-breaker among experts.
    authority: float = 0.10
    #: Recent answering volume (answers with a 30-day half-life, normalised to the busiest
    #: answerer): who is answering *now*. On real history the people who answer a lot this
    #: month answer the next question far more often than their per-tag record predicts.
    volume: float = 0.6
    #: Declared expertise in one of the question's tags (profile), and tag subscriptions:
    #: cold start for people the graph has not seen answer yet.
    declared: float = 0.25
    subscribed: float = 0.15
    #: Share of the score kept by someone who has not been active at all recently.
    presence: float = 0.25
    #: Activity half-life: a person last seen this many days ago counts half as present.
    activity_half_life_days: float = 7.0
    #: Each open routed question (notified, not answered) divides the score by (1 + this).
    #: Gentle on purpose: the hard caps (open routes, notifications per day) stop overload;
    #: this only lets a less busy peer overtake a busy one of nearly equal merit.
    load_penalty: float = 0.15
    #: A newcomer has at most this many answers; one notification slot per question can be
    #: kept for the best-matching newcomer (see ``explore_every``).
    newcomer_answers: int = 2
    #: One question in this many reserves a notification slot for a newcomer (exploration).
    explore_every: int = 4
    #: Ranks (1-based) at which the best newcomers are placed in the ranked list when they are
    #: not already above them, so people with little history are seen at all.
    newcomer_ranks: tuple[int, ...] = field(default=(6, 10))

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_WEIGHTS = Weights()
NEWCOMER_FLOOR = 1e-4  # below any candidate with evidence


@dataclass
class Features:
    tag: float = 0.0
    text: float = 0.0
    authority: float = 0.0
    volume: float = 0.0
    activity: float = 0.0
    declared: bool = False
    subscribed: bool = False
    load: int = 0
    answers: int = 0
    #: Evidence for the reasons: the question's tags the person answered in, shared terms, days since active.
    tags: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    days_idle: float | None = None


@dataclass
class Scored:
    user_id: int
    score: float
    features: Features
    is_newcomer: bool
    reasons: list[dict] = field(default_factory=list)
    #: Lifted to a reserved newcomer rank (exploration) rather than ranked there by score.
    lifted: bool = False


def activity_from_idle(days_idle: float | None, w: Weights = DEFAULT_WEIGHTS) -> float:
    if days_idle is None:
        return 0.0
    return math.pow(0.5, max(days_idle, 0.0) / w.activity_half_life_days)


def relevance(f: Features, w: Weights = DEFAULT_WEIGHTS) -> float:
    return (w.tag * f.tag + w.text * f.text + w.authority * f.authority + w.volume * f.volume
            + w.declared * f.declared + w.subscribed * f.subscribed)


def score(f: Features, w: Weights = DEFAULT_WEIGHTS) -> float:
    presence = w.presence + (1.0 - w.presence) * f.activity
    return relevance(f, w) * presence / (1.0 + w.load_penalty * f.load)


def reasons(f: Features) -> list[dict]:
    """The evidence behind a score as codes with parameters (rendered in the reader's language)."""
    out: list[dict] = []
    if f.tag > 0 and f.tags:
        out.append({"code": "answered_in_tags", "tags": list(f.tags), "strength": round(f.tag, 3)})
    if f.text > 0:
        out.append({"code": "similar_answers", "terms": list(f.terms), "strength": round(f.text, 3)})
    if f.authority > 0.2:
        out.append({"code": "trusted_answerer", "strength": round(f.authority, 3)})
    if f.volume > 0.2:
        out.append({"code": "frequent_answerer", "strength": round(f.volume, 3)})
    if f.declared:
        out.append({"code": "declared_expertise"})
    if f.subscribed:
        out.append({"code": "subscribed_tag"})
    if f.days_idle is not None and f.days_idle <= 7:
        out.append({"code": "recently_active", "days": int(f.days_idle)})
    if f.load:
        out.append({"code": "open_routes", "count": f.load})
    return out


def rank(features: dict[int, Features], w: Weights = DEFAULT_WEIGHTS) -> list[Scored]:
    """Candidates by score (ties: smaller id), with the best newcomers lifted to ``newcomer_ranks``.

    Only candidates with some relevance are ranked, and newcomers who were recently active;
    the caller pads the list if it needs more.
    """
    scored = []
    for uid, f in features.items():
        newcomer = f.answers <= w.newcomer_answers
        if relevance(f, w) > 0:
            scored.append(Scored(uid, score(f, w), f, newcomer, reasons(f)))
        elif newcomer and f.activity > 0:
            # A newcomer with no evidence yet but recently around: ranked last, by presence, so
            # the reserved ranks below can still reach people who registered to help.
            scored.append(Scored(uid, NEWCOMER_FLOOR * f.activity, f, True, reasons(f)))
    scored.sort(key=lambda s: (-s.score, s.user_id))
    return _place_newcomers(scored, w)


def _place_newcomers(ranked: list[Scored], w: Weights) -> list[Scored]:
    """Move the best newcomers up to the reserved ranks unless they already rank above them.

    Without this, people with no answers yet are never seen in the top ten: their scores
    rest on text and declarations only, which the graph evidence of regulars always beats.
    """
    out = list(ranked)
    for k, slot in enumerate(w.newcomer_ranks, start=1):
        index = slot - 1
        if index >= len(out):
            break
        if sum(s.is_newcomer for s in out[:index + 1]) >= k:
            continue
        candidate = next((s for s in out[index + 1:] if s.is_newcomer), None)
        if candidate is None:
            break
        out.remove(candidate)
        out.insert(index, candidate)
        candidate.lifted = True
    return out


def explores(question_id: int, w: Weights = DEFAULT_WEIGHTS) -> bool:
    """Whether this question keeps a notification slot for a newcomer. Deterministic (a hash of
    the id), so a replay gives the same decisions and a test can predict them."""
    return w.explore_every > 0 and (question_id * 2654435761) % (2 ** 32) % w.explore_every == 0
