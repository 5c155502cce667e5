"""Read side of routing: decisions as a viewer may see them, the expert directory, profiles.

Evidence shown to a viewer (answers, acceptances, scores per tag) is counted over the
questions *that viewer* may see (``access.visible_clause``), so the directory never reveals
an internal or team question. The graph orders people; the database supplies what is shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.experts.index import index_for, visible_scopes
from app.experts.models import (CandidateState, ExpertProfile, ExpertTag, RoutingCandidate, RoutingDecision,
                                TagInterest)
from app.experts.textsim import tokenize
from app.forum import access
from app.forum.models import Answer, Question, QuestionTag, Tag


@dataclass
class Evidence:
    answers: int = 0
    accepted: int = 0
    score: int = 0
    last_answer_at: datetime | None = None


@dataclass
class ExpertRow:
    user: User
    weight: float
    evidence: Evidence
    tags: list[str] = field(default_factory=list)
    declared: bool = False
    is_available: bool = True


def _evidence(session: Session, viewer, user_ids, tag_names=None) -> dict[int, Evidence]:
    """Per user: answers, accepted answers and score on questions ``viewer`` may see (in the tags)."""
    if not user_ids:
        return {}
    accepted = case((Question.accepted_answer_id == Answer.id, 1), else_=0)
    stmt = (select(Answer.author_id, func.count(func.distinct(Answer.id)), func.sum(accepted), func.sum(Answer.score),
                   func.max(Answer.created_at))
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.author_id.in_(list(user_ids)), Answer.deleted_at.is_(None), access.visible_clause(viewer)))
    if tag_names:
        tagged = (select(QuestionTag.question_id).join(Tag, Tag.id == QuestionTag.tag_id)
                  .where(Tag.name.in_(list(tag_names))))
        stmt = stmt.where(Question.id.in_(tagged))
    rows = session.execute(stmt.group_by(Answer.author_id))
    return {uid: Evidence(n or 0, int(acc or 0), int(sc or 0), last) for uid, n, acc, sc, last in rows}


def _available(session: Session, user_ids, now: datetime) -> dict[int, bool]:
    profiles = session.scalars(select(ExpertProfile).where(ExpertProfile.user_id.in_(list(user_ids))))
    return {p.user_id: not p.is_away(now) for p in profiles}


def experts_for_tag(session: Session, tag: str, viewer, *, limit: int = 20, now: datetime) -> list[ExpertRow]:
    """The tag's top experts by graph weight, with evidence the viewer may see; declared experts
    without answers yet follow them."""
    return experts_for_tags(session, [tag], viewer, limit=limit, now=now)[tag]


def _evidence_by_tag(session: Session, viewer, user_ids, tag_names) -> dict[tuple[int, str], Evidence]:
    """(user, tag) -> answers, accepted answers and score on questions ``viewer`` may see, in one query."""
    if not user_ids or not tag_names:
        return {}
    accepted = case((Question.accepted_answer_id == Answer.id, 1), else_=0)
    rows = session.execute(
        select(Answer.author_id, Tag.name, func.count(func.distinct(Answer.id)), func.sum(accepted),
               func.sum(Answer.score), func.max(Answer.created_at))
        .join(Question, Question.id == Answer.question_id)
        .join(QuestionTag, QuestionTag.question_id == Question.id).join(Tag, Tag.id == QuestionTag.tag_id)
        .where(Answer.author_id.in_(list(user_ids)), Tag.name.in_(list(tag_names)), Answer.deleted_at.is_(None),
               access.visible_clause(viewer))
        .group_by(Answer.author_id, Tag.name))
    return {(uid, name): Evidence(n or 0, int(acc or 0), int(sc or 0), last) for uid, name, n, acc, sc, last in rows}


def experts_for_tags(session: Session, tags: list[str], viewer, *, limit: int = 20,
                     now: datetime) -> dict[str, list[ExpertRow]]:
    """:func:`experts_for_tag` for several tags at once (the directory's landing page), in a fixed
    number of queries whatever the number of tags."""
    index = index_for(current_app)
    index.sync(session, refresh_authority=False)
    with index.lock:
        ranked = {tag: index.graph.top_experts(tag, limit=limit * 3) for tag in tags}
    declared: dict[str, set[int]] = {tag: set() for tag in tags}
    if tags:
        for uid, name in session.execute(select(ExpertTag.user_id, Tag.name).join(Tag, Tag.id == ExpertTag.tag_id)
                                         .where(Tag.name.in_(tags), ExpertTag.kind == TagInterest.declared.value)):
            declared[name].add(uid)
    order = {tag: [uid for uid, _ in ranked[tag]] + sorted(declared[tag] - {uid for uid, _ in ranked[tag]})
             for tag in tags}
    every = {uid for ids in order.values() for uid in ids}
    evidence = _evidence_by_tag(session, viewer, every, tags)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(every), User.is_active_account.is_(True)))} \
        if every else {}
    available = _available(session, every, now) if every else {}
    out: dict[str, list[ExpertRow]] = {}
    for tag in tags:
        weights, rows = dict(ranked[tag]), []
        for uid in order[tag]:
            ev = evidence.get((uid, tag), Evidence())
            if uid not in users or (ev.answers == 0 and uid not in declared[tag]):
                continue  # their evidence is on questions this viewer may not see
            rows.append(ExpertRow(users[uid], weights.get(uid, 0.0), ev, [tag], uid in declared[tag],
                                  available.get(uid, True)))
        out[tag] = rows[:limit]
    return out


def who_knows(session: Session, text: str, viewer, *, limit: int = 20, now: datetime) -> list[ExpertRow]:
    """"Who knows about X": people whose answers match the words, with their visible evidence.

    Ranked on the text ``viewer`` may read only (index.visible_scopes): words from internal or
    team answers neither find nor order anyone for a viewer who cannot see them."""
    tokens = tokenize(text or "")
    if not tokens:
        return []
    index = index_for(current_app)
    index.sync(session, refresh_authority=False)
    with index.lock:
        similar = index.profiles.similar(tokens, limit=limit * 3, scopes=visible_scopes(viewer))
    ids = sorted(similar, key=lambda uid: (-similar[uid], uid))
    evidence = _evidence(session, viewer, ids)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids), User.is_active_account.is_(True)))}
    available = _available(session, ids, now)
    rows = [ExpertRow(users[uid], similar[uid], evidence[uid], [], False, available.get(uid, True))
            for uid in ids if uid in users and uid in evidence]
    return rows[:limit]


@dataclass
class TagExpertise:
    tag: str
    answers: int
    accepted: int
    score: int


def expertise_profile(session: Session, user: User, viewer, *, limit: int = 10) -> list[TagExpertise]:
    """A person's strongest tags by accepted answers, then answers, then score (visible questions only)."""
    accepted = case((Question.accepted_answer_id == Answer.id, 1), else_=0)
    rows = session.execute(
        select(Tag.name, func.count(Answer.id), func.sum(accepted), func.sum(Answer.score))
        .join(QuestionTag, QuestionTag.tag_id == Tag.id).join(Question, Question.id == QuestionTag.question_id)
        .join(Answer, Answer.question_id == Question.id)
        .where(Answer.author_id == user.id, Answer.deleted_at.is_(None), access.visible_clause(viewer))
        .group_by(Tag.name)
        .order_by(func.sum(accepted).desc(), func.count(Answer.id).desc(), func.sum(Answer.score).desc(), Tag.name)
        .limit(limit))
    return [TagExpertise(name, n, int(acc or 0), int(sc or 0)) for name, n, acc, sc in rows]


def interests_of(session: Session, user_id: int) -> dict[str, list[str]]:
    """{"declared": [tag names], "subscribed": [...]} for the settings form and the profile."""
    out: dict[str, list[str]] = {k.value: [] for k in TagInterest}
    for kind, name in session.execute(select(ExpertTag.kind, Tag.name).join(Tag, Tag.id == ExpertTag.tag_id)
                                      .where(ExpertTag.user_id == user_id).order_by(Tag.name)):
        out.setdefault(kind, []).append(name)
    return out


def decision_for(session: Session, question_id: int) -> RoutingDecision | None:
    return session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question_id))


def visible_candidates(decision: RoutingDecision, viewer) -> list[RoutingCandidate] | None:
    """All candidates for moderators; only their own row for a person who was asked ("why
    me"); None for anyone else (the caller answers 403)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    if access.can_moderate(viewer):
        return list(decision.candidates)
    # Being ranked but never asked is not news to share: "why me" is for those who were asked.
    mine = [c for c in decision.candidates if c.user_id == viewer.id and c.notified_at is not None]
    return mine or None


def routed_to(session: Session, user_id: int, *, states=(CandidateState.notified.value,),
              limit: int = 50) -> list[tuple[RoutingCandidate, Question]]:
    """Questions routed to the user in the given states, newest first (their "routed to me" list)."""
    rows = session.execute(
        select(RoutingCandidate, Question)
        .join(RoutingDecision, RoutingDecision.id == RoutingCandidate.decision_id)
        .join(Question, Question.id == RoutingDecision.question_id)
        .where(RoutingCandidate.user_id == user_id, RoutingCandidate.state.in_(list(states)),
               Question.deleted_at.is_(None))
        .order_by(RoutingCandidate.notified_at.desc().nullslast(), RoutingCandidate.id.desc()).limit(limit))
    return [(c, q) for c, q in rows]
