"""Routing a question to the few people who will answer it well and soon (service layer).

``route_question`` ranks candidates (index features + the database's view of access,
availability and load), stores the decision with every candidate's score and reasons, and
notifies the best eligible ones. Never the asker, never someone who cannot see the question,
nobody away or at a cap. ``decline_route`` passes the question on to the next eligible
candidate; ``assign_by_hand`` lets a moderator add someone. No commits here.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, Role, User
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.experts import ranking
from app.experts.index import index_for
from app.experts.models import (CandidateState, DecisionStatus, ExpertProfile, ExpertTag, RoutingCandidate,
                                RoutingDecision, TagInterest)
from app.experts.textsim import tokenize
from app.forum import access
from app.forum.models import Answer, Question
from app.notifications.services import counts_today, notify, resolve

POOL = 200          # candidates taken from each source before scoring
KEEP = 50           # ranked candidates stored with a decision (the replay writes them all)
SHORTLIST = 120     # candidates whose access is checked per round, best first
MIN_RANKED = 20
VOLUME_POOL = 50    # the busiest recent answerers, always among the candidates
NEWCOMER_POOL = 20  # the most recently active newcomers, likewise     # the ranked list is padded to at least this many with recently active people


@dataclass(frozen=True)
class Settings:
    notify: int = 3
    max_open_routes: int = 5
    daily_notifications: int = 10
    open_route_days: int = 7
    weights: ranking.Weights = ranking.DEFAULT_WEIGHTS

    @classmethod
    def from_config(cls, config) -> "Settings":
        return cls(notify=config.get("EXPERTS_NOTIFY", 3), max_open_routes=config.get("EXPERTS_MAX_OPEN_ROUTES", 5),
                   daily_notifications=config.get("EXPERTS_DAILY_NOTIFICATIONS", 10),
                   open_route_days=config.get("EXPERTS_OPEN_ROUTE_DAYS", 7))


def _settings(settings: Settings | None) -> Settings:
    return settings or Settings.from_config(current_app.config)


# --- features ----------------------------------------------------------------------------

def open_loads(session: Session, user_ids, now: datetime, days: int) -> dict[int, int]:
    """Open routed questions per user: notified, not answered, question still open, recent."""
    rows = session.execute(
        select(RoutingCandidate.user_id, func.count(RoutingCandidate.id))
        .join(RoutingDecision, RoutingDecision.id == RoutingCandidate.decision_id)
        .join(Question, Question.id == RoutingDecision.question_id)
        .where(RoutingCandidate.user_id.in_(list(user_ids)),
               RoutingCandidate.state == CandidateState.notified.value,
               RoutingCandidate.notified_at >= now - timedelta(days=days),
               Question.accepted_answer_id.is_(None), Question.closed_at.is_(None), Question.deleted_at.is_(None))
        .group_by(RoutingCandidate.user_id))
    return {uid: n for uid, n in rows}


def tag_interests(session: Session, question: Question) -> dict[int, set[str]]:
    """{user: {"declared", "subscribed"}} for people who declared or follow one of the question's tags."""
    tag_ids = [t.id for t in question.tags]
    out: dict[int, set[str]] = {}
    if tag_ids:
        for uid, kind in session.execute(select(ExpertTag.user_id, ExpertTag.kind).where(ExpertTag.tag_id.in_(tag_ids))):
            out.setdefault(uid, set()).add(kind)
    return out


def candidate_features(session: Session, question: Question, now: datetime,
                       w: ranking.Weights) -> dict[int, ranking.Features]:
    """Features of everyone some source suggests (graph, text, interests), the asker excluded."""
    index = index_for(current_app)
    index.sync(session)
    tags = question.tag_names
    tokens = tokenize(" ".join([question.title, " ".join(tags), question.body_md or ""]))
    with index.lock:
        by_tag = index.graph.tag_expertise(tags, limit=POOL)
        by_text = index.profiles.similar(tokens, limit=POOL)
        authority = index.graph.authority()
        interests = tag_interests(session, question)
        # The busiest recent answerers are always considered: who answers now is evidence too.
        # So are the newcomers seen lately: a third of accepted answers on real sites come from
        # people with at most two earlier answers, and nothing else would ever rank them.
        ids = (set(by_tag) | set(by_text) | set(interests) | set(index.volume.top(VOLUME_POOL))
               # (three times the pool: inactive accounts are in it too, and fall out at the access check)
               | set(index.recent_newcomers(3 * NEWCOMER_POOL, w.newcomer_answers)))
        ids.discard(question.author_id)
        question_tags = set(tags)
        features = {}
        for uid in ids:
            idle = index.days_idle(uid, now)
            kinds = interests.get(uid, set())
            features[uid] = ranking.Features(
                tag=by_tag.get(uid, 0.0), text=by_text.get(uid, 0.0), authority=authority.get(uid, 0.0),
                volume=index.volume.normalised(uid),
                activity=ranking.activity_from_idle(idle, w), declared=TagInterest.declared.value in kinds,
                subscribed=TagInterest.subscribed.value in kinds, answers=index.graph.answer_count(uid),
                tags=tuple(sorted(index.graph.tags_of(uid) & question_tags)), days_idle=idle)
    return features


def can_act_clause(question: Question):
    """SQL condition on User: someone routing may ask about ``question``. Active, staff or above
    (customers do not answer for the bank), able to log in (a password or a live API token:
    imported Stack Exchange authors have neither) and not already an answerer of it."""
    live_token = exists(select(ApiToken.id).where(ApiToken.user_id == User.id, ApiToken.revoked_at.is_(None)))
    answered = exists(select(Answer.id).where(Answer.question_id == question.id, Answer.author_id == User.id,
                                              Answer.deleted_at.is_(None)))
    return (User.is_active_account.is_(True) & (User.role != Role.customer.value)
            & or_(User.password_hash.is_not(None), live_token) & ~answered)


def _eligible_users(session: Session, question: Question, user_ids) -> dict[int, User]:
    """Candidates who can act on the question (:func:`can_act_clause`) and may see it
    (app.forum.access decides, as everywhere); never its asker."""
    ids = list(user_ids)
    if not ids:
        return {}
    users = session.scalars(select(User).where(User.id.in_(ids), can_act_clause(question)))
    return {u.id: u for u in users if access.can_view(question, u) and u.id != question.author_id}


def rank_question(session: Session, question: Question, *, now: datetime | None = None,
                  settings: Settings | None = None) -> list[ranking.Scored]:
    """Candidates for ``question`` best first: scored, access-checked, with the load penalty."""
    settings = _settings(settings)
    now = now or utcnow()
    w = settings.weights
    features = candidate_features(session, question, now, w)
    # Score everyone (pure, cheap), then look up access and load only for the best few: loading
    # every candidate's account was most of a ranking's time on a real site.
    order = [s.user_id for s in ranking.rank(features, w)]
    # Newcomers rank low by score but may be lifted to reserved ranks: always check them too.
    newcomers = [uid for uid in order if features[uid].answers <= w.newcomer_answers]
    eligible: set[int] = set(_eligible_users(session, question, newcomers))
    checked = 0
    seen = set(newcomers)
    for start in range(0, len(order), SHORTLIST):  # more rounds only when many cannot see it
        chunk = order[start:start + SHORTLIST]
        eligible |= set(_eligible_users(session, question, [uid for uid in chunk if uid not in seen]))
        checked += sum(1 for uid in chunk if uid in eligible)
        if checked >= KEEP:
            break
    features = {uid: features[uid] for uid in order if uid in eligible}
    for uid, load in open_loads(session, features, now, settings.open_route_days).items():
        features[uid].load = load
    ranked = ranking.rank(features, w)[:KEEP]
    if len(ranked) < MIN_RANKED:
        ranked += _padding(session, question, now, {s.user_id for s in ranked}, MIN_RANKED - len(ranked), w)
    return ranked


def _padding(session, question, now, taken: set[int], need: int, w) -> list[ranking.Scored]:
    """Recently active people with no evidence: better than an empty list for a brand-new topic."""
    index = index_for(current_app)
    pool = index.most_active(need * 3 + 10, exclude=taken | {question.author_id})
    users = _eligible_users(session, question, pool)
    out = []
    for uid in pool:
        if uid in users and len(out) < need:
            idle = index.days_idle(uid, now)
            f = ranking.Features(activity=ranking.activity_from_idle(idle, w), days_idle=idle,
                                 answers=index.graph.answer_count(uid))
            out.append(ranking.Scored(uid, 0.0, f, f.answers <= w.newcomer_answers, ranking.reasons(f)))
    return out


# --- deciding and notifying -------------------------------------------------------------

def _blocked(session: Session, user_ids, now: datetime, settings: Settings) -> set[int]:
    """People who must not be notified now: away, or at their open-route or daily cap."""
    user_ids = list(user_ids)
    profiles = {p.user_id: p for p in session.scalars(select(ExpertProfile).where(ExpertProfile.user_id.in_(user_ids)))}
    loads = open_loads(session, user_ids, now, settings.open_route_days)
    today = counts_today(session, user_ids, now)
    blocked = set()
    for uid in user_ids:
        p = profiles.get(uid)
        if p is not None and p.is_away(now):
            blocked.add(uid)
        cap = p.max_open_routes if p is not None and p.max_open_routes is not None else settings.max_open_routes
        daily = p.daily_limit if p is not None and p.daily_limit is not None else settings.daily_notifications
        if loads.get(uid, 0) >= cap or today.get(uid, 0) >= daily:
            blocked.add(uid)
    return blocked


def _notify(session: Session, question: Question, candidate: RoutingCandidate, now: datetime, kind: str,
            *, escalated: bool = False) -> bool:
    """Ask ``candidate``; False (and the candidate stays unasked) when the notification rules
    refuse it (the question was solved meanwhile, the person lost access)."""
    payload = {"reasons": candidate.reasons, "rank": candidate.rank}
    if escalated:
        payload["escalated"] = True
    if notify(session, candidate.user_id, kind, question_id=question.id, payload=payload) is None:
        return False
    candidate.state, candidate.notified_at = CandidateState.notified.value, now
    return True


def _pick(ranked: list[RoutingCandidate], blocked: set[int], count: int,
          newcomers: set[int] = frozenset()) -> list[RoutingCandidate]:
    """The best ``count`` unblocked candidates; given ``newcomers`` (an exploring question), the
    last slot goes to the best of them instead of the next regular, and is marked exploration."""
    open_ = [c for c in ranked if c.user_id not in blocked and c.state == CandidateState.ranked.value]
    chosen = open_[:count]
    if newcomers and count >= 2 and not any(c.user_id in newcomers for c in chosen):
        newcomer = next((c for c in open_ if c.user_id in newcomers), None)
        if newcomer is not None:
            newcomer.is_exploration = True
            chosen = chosen[:count - 1] + [newcomer]
    return chosen


def route_question(session: Session, question: Question, *, now: datetime | None = None,
                   settings: Settings | None = None) -> RoutingDecision:
    """Decide who to ask about ``question``, store why, notify them. Idempotent per question."""
    existing = session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))
    if existing is not None:
        return existing
    settings = _settings(settings)
    now = now or utcnow()
    ranked = rank_question(session, question, now=now, settings=settings)
    decision = RoutingDecision(question_id=question.id, weights=settings.weights.to_dict(), created_at=now)
    for position, s in enumerate(ranked, start=1):
        decision.candidates.append(RoutingCandidate(user_id=s.user_id, rank=position, score=round(s.score, 6),
                                                    reasons=s.reasons, is_exploration=s.lifted))
    session.add(decision)
    explore = ranking.explores(question.id, settings.weights)
    chosen = _pick(decision.candidates, _blocked(session, [s.user_id for s in ranked], now, settings),
                   settings.notify, {s.user_id for s in ranked if s.is_newcomer} if explore else frozenset())
    chosen = [c for c in chosen if _notify(session, question, c, now, "routed")]
    decision.status = (DecisionStatus.routed if chosen else DecisionStatus.no_candidates).value
    session.flush()
    from app.experts import escalation
    escalation.watch(session, decision, question, now)  # nobody answers: it goes further
    return decision


def route_question_job(session: Session, question_id: int) -> None:
    """Background entry point (app.jobs): route a just-asked question if it still waits for an
    answer (it may have been answered, solved, closed or deleted before the job ran)."""
    question = session.get(Question, question_id)
    if question is None or question.is_deleted or question.is_closed or question.accepted_answer_id is not None \
            or question.answer_count > 0:
        return
    route_question(session, question)


def boost_route(session: Session, question: Question, *, extra: int, now: datetime | None = None,
                settings: Settings | None = None) -> list[int]:
    """A bounty was offered on ``question``: ask ``extra`` more people than routing did (the next
    eligible ranked candidates), or route it now with ``extra`` more when it never was. Returns
    the ids notified by this call."""
    settings = _settings(settings)
    now = now or utcnow()
    decision = session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))
    if decision is None:
        decision = route_question(session, question, now=now,
                                  settings=dataclasses.replace(settings, notify=settings.notify + extra))
        return [c.user_id for c in decision.candidates if c.notified_at is not None]
    waiting = [c for c in decision.candidates if c.state == CandidateState.ranked.value]
    eligible = _eligible_users(session, question, [c.user_id for c in waiting])
    waiting = [c for c in waiting if c.user_id in eligible]
    chosen = _pick(waiting, _blocked(session, [c.user_id for c in waiting], now, settings), extra)
    chosen = [c for c in chosen if _notify(session, question, c, now, "routed")]
    if chosen:
        decision.status = DecisionStatus.routed.value
    session.flush()
    return [c.user_id for c in chosen]


def boost_route_job(session: Session, question_id: int) -> None:
    """Background entry point (app.jobs) for a bounty's boost; nothing for a question solved,
    closed or deleted meanwhile."""
    question = session.get(Question, question_id)
    if question is None or question.is_deleted or question.is_closed or question.accepted_answer_id is not None:
        return
    boost_route(session, question, extra=int(current_app.config.get("EXPERTS_BOUNTY_EXTRA", 3)))


def _decision(session: Session, question: Question) -> RoutingDecision:
    decision = session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))
    if decision is None:
        raise NotFound(_l("This question has not been routed."))
    return decision


def decline_route(session: Session, question: Question, *, by: User, reason: str = "",
                  settings: Settings | None = None) -> RoutingCandidate | None:
    """``by`` declines the question routed to them; it goes to the next eligible candidate.

    Returns the candidate notified instead (None when nobody is left). Conflict if ``by`` was
    not asked or already answered or declined."""
    settings = _settings(settings)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise Invalid(errors={"reason": _l("At most 500 characters.")})
    decision = _decision(session, question)
    mine = next((c for c in decision.candidates if c.user_id == by.id), None)
    if mine is None or mine.state != CandidateState.notified.value:
        raise Conflict(_l("This question is not waiting for your answer."))
    now = utcnow()
    mine.state, mine.declined_at, mine.decline_reason = CandidateState.declined.value, now, reason or None
    resolve(session, question_id=question.id, user_id=by.id, kind_codes=["routed"])
    waiting = [c for c in decision.candidates if c.state == CandidateState.ranked.value]
    eligible = _eligible_users(session, question, [c.user_id for c in waiting])
    waiting = [c for c in waiting if c.user_id in eligible]
    chosen = _pick(waiting, _blocked(session, [c.user_id for c in waiting], now, settings), 1)
    chosen = [c for c in chosen if _notify(session, question, c, now, "routed")]
    if not chosen and not any(c.state == CandidateState.notified.value for c in decision.candidates):
        decision.status = DecisionStatus.no_candidates.value
    session.flush()
    return chosen[0] if chosen else None


def assign_by_hand(session: Session, question: Question, user: User, *, by: User) -> RoutingCandidate:
    """A moderator asks ``user`` about ``question`` (caps do not apply: a person chose them).

    Forbidden for non-moderators; Invalid if ``user`` cannot see the question or asked it."""
    if not access.can_moderate(by):
        raise Forbidden(_l("Only moderators can route questions by hand."))
    if user.id == question.author_id or not access.can_view(question, user) or \
            session.scalar(select(User.id).where(User.id == user.id, can_act_clause(question))) is None:
        raise Invalid(errors={"user": _l("This person cannot be asked about this question.")})
    now = utcnow()
    decision = session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))
    if decision is None:
        decision = RoutingDecision(question_id=question.id, weights={}, created_at=now)
        session.add(decision)
    candidate = next((c for c in decision.candidates if c.user_id == user.id), None)
    if candidate is not None and candidate.state in (CandidateState.notified.value, CandidateState.answered.value):
        raise Conflict(_l("This person has already been asked."))
    if candidate is None:
        candidate = RoutingCandidate(user_id=user.id, rank=len(decision.candidates) + 1, score=0.0, reasons=[])
        decision.candidates.append(candidate)
    candidate.routed_by_id = by.id
    candidate.reasons = list(candidate.reasons or []) + [{"code": "routed_by_hand", "by": by.display_name}]
    if not _notify(session, question, candidate, now, "routed"):
        raise Conflict(_l("This question no longer waits for an answer."))
    decision.status = DecisionStatus.routed.value
    session.flush()
    return candidate
