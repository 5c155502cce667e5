"""Awarding badges: load a user's facts, ask the pure table (``app.points.badges``), insert
what is earned and not held, and send ``signals.badge_awarded`` for each new award.

Runs inside the caller's transaction and never commits (DESIGN.md): a signal receiver's
award commits or rolls back with the action that earned it. The insert is "insert if
absent" in the database (``ON CONFLICT DO NOTHING`` on the unique (user, badge, tag_key),
on SQLite and PostgreSQL alike), so two concurrent transactions that both find a badge
missing award it once: the loser's insert returns no row and it sends no signal.

Facts come from the forum's tables, the knowledge base's feedback and credits, and the
experts' routing candidates. DESIGN.md forbids only the forum from importing other domains;
points already listens to all of them, and reading their rows at award time keeps a single
source of truth (no copies of counts that could drift).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, distinct, func, or_, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import signals
from app.accounts.models import User
from app.db import utcnow
from app.forum.models import Answer, Question, QuestionTag
from app.points import badges as table
from app.points.badge_models import BadgeAward


def held(session: Session, user_id: int) -> set[tuple[str, int | None]]:
    """The user's awards as ``(code, tag_id)``."""
    rows = session.execute(select(BadgeAward.badge, BadgeAward.tag_id).where(BadgeAward.user_id == user_id))
    return {(code, tag_id) for code, tag_id in rows}


def _accepted_answers(user_id: int):
    """Live answers by the user that are accepted on a live question asked by someone else."""
    return (select(Answer.id, Answer.question_id)
            # Through the question's primary key (not accepted_answer_id, which has no index):
            # the user's answers are found by author, each question by id.
            .join(Question, and_(Question.id == Answer.question_id, Question.accepted_answer_id == Answer.id))
            .where(Answer.author_id == user_id, Answer.deleted_at.is_(None), Question.deleted_at.is_(None),
                   or_(Question.author_id.is_(None), Question.author_id != user_id)))


def _as_date(value) -> date:
    # SQLite's date() answers 'YYYY-MM-DD' text; PostgreSQL's answers a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def active_days(session: Session, user_id: int, since: date | None = None) -> frozenset[date]:
    days: set[date] = set()
    for model in (Question, Answer):
        stmt = select(distinct(func.date(model.created_at))).where(
            model.author_id == user_id, model.deleted_at.is_(None))
        if since is not None:
            stmt = stmt.where(model.created_at >= datetime.combine(since, datetime.min.time()))
        days.update(_as_date(d) for d in session.scalars(stmt) if d is not None)
    return frozenset(days)


def routed_answer_delays(session: Session, user_id: int) -> tuple[timedelta, ...]:
    """Per routed question the user was notified of: notified -> their first answer after it."""
    from app.experts.models import RoutingCandidate, RoutingDecision

    first = func.min(Answer.created_at)
    rows = session.execute(
        select(RoutingCandidate.notified_at, first)
        .join(RoutingDecision, RoutingDecision.id == RoutingCandidate.decision_id)
        .join(Answer, and_(Answer.question_id == RoutingDecision.question_id, Answer.author_id == user_id,
                           Answer.deleted_at.is_(None), Answer.created_at >= RoutingCandidate.notified_at))
        .where(RoutingCandidate.user_id == user_id, RoutingCandidate.notified_at.is_not(None))
        .group_by(RoutingCandidate.id, RoutingCandidate.notified_at))
    return tuple(answered - notified for notified, answered in rows if answered is not None)


def helpful_votes(session: Session, user_id: int) -> int:
    """Helpful feedback on articles the user is credited on, their own votes left out."""
    from app.kb.models import ArticleCredit, ArticleFeedback

    mine = select(ArticleCredit.article_id).where(ArticleCredit.user_id == user_id)
    return session.scalar(select(func.count(ArticleFeedback.id)).where(
        ArticleFeedback.article_id.in_(mine), ArticleFeedback.helpful.is_(True),
        or_(ArticleFeedback.user_id.is_(None), ArticleFeedback.user_id != user_id))) or 0


def load_facts(session: Session, user_id: int, needs: Iterable[str], *, tag_ids: Iterable[int] | None = None,
               since: date | None = None) -> table.Facts:
    """The facts ``needs`` names (others stay empty). ``tag_ids`` limits the per-tag counts
    to those tags (an accept touches only its question's tags); ``since`` limits the active
    days looked at (a post can only complete a streak that ends on its day)."""
    needs = set(needs)
    values: dict = {}
    if "answers" in needs:
        values["answers"] = session.scalar(select(func.count(Answer.id)).where(
            Answer.author_id == user_id, Answer.deleted_at.is_(None))) or 0
    if "accepted" in needs:
        values["accepted"] = session.scalar(
            select(func.count()).select_from(_accepted_answers(user_id).subquery())) or 0
    if "accepted_by_tag" in needs:
        accepted = _accepted_answers(user_id).subquery()
        stmt = (select(QuestionTag.tag_id, func.count()).join(accepted, accepted.c.question_id == QuestionTag.question_id)
                .group_by(QuestionTag.tag_id))
        if tag_ids is not None:
            stmt = stmt.where(QuestionTag.tag_id.in_(list(tag_ids)))
        values["accepted_by_tag"] = {tag: n for tag, n in session.execute(stmt)}
    if "helpful_votes" in needs:
        values["helpful_votes"] = helpful_votes(session, user_id)
    if "routed_answer_delays" in needs:
        values["routed_answer_delays"] = routed_answer_delays(session, user_id)
    if "active_days" in needs:
        values["active_days"] = active_days(session, user_id, since)
    return table.Facts(**values)


def insert_if_absent(session: Session, user_id: int, code: str, tag_id: int | None) -> BadgeAward | None:
    """Insert the award unless the user holds it; the new row, or None when it was already
    there (also when a concurrent transaction inserted it first)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (dialect.insert(BadgeAward)
            .values(user_id=user_id, badge=code, tag_id=tag_id, tag_key=tag_id or 0, awarded_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id", "badge", "tag_key"])
            .returning(BadgeAward.id))
    award_id = session.execute(stmt).scalar()
    return session.get(BadgeAward, award_id) if award_id is not None else None


def evaluate(session: Session, user: User, candidates: Iterable[table.Badge], *,
             tag_ids: Iterable[int] | None = None, since: date | None = None) -> list[BadgeAward]:
    """Award ``user`` every badge of ``candidates`` they have earned and do not hold; send
    ``badge_awarded`` for each new award. Loads only the facts the badges not held yet need."""
    have = held(session, user.id)
    pending = [b for b in candidates if b.is_tag_badge or (b.code, None) not in have]
    if not pending:
        return []
    facts = load_facts(session, user.id, table.needed(pending), tag_ids=tag_ids, since=since)
    out = []
    for badge, tag_id in table.to_award(pending, facts, have):
        award = insert_if_absent(session, user.id, badge.code, tag_id)
        if award is not None:
            signals.badge_awarded.send(user, badge=badge.code, award=award)
            out.append(award)
    return out


def backfill(session: Session, batch: int = 500) -> int:
    """Evaluate every badge for every user who could have earned one (an author of a question
    or an answer, or credited on an article: an import brings thousands of users who never
    posted); returns how many awards were made. Idempotent: a second run awards nothing."""
    from app.kb.models import ArticleCredit

    earners = union(select(Question.author_id), select(Answer.author_id),
                    select(ArticleCredit.user_id)).subquery()
    total = 0
    last_id = 0
    while True:
        users = session.scalars(select(User).where(User.id > last_id, User.id.in_(select(earners.c[0])))
                                .order_by(User.id).limit(batch)).all()
        if not users:
            return total
        for user in users:
            total += len(evaluate(session, user, table.BADGES.values()))
        last_id = users[-1].id
