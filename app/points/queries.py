"""Read side of the points ledger: a user's history and the cache check."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.forum import access
from app.forum.models import Question
from app.pagination import Page, paginate
from app.points import rules
from app.points.models import PointsEntry


@dataclass(frozen=True)
class LedgerRow:
    """One entry as a viewer may see it. ``question_id``/``answer_id`` are None when the
    viewer may not see the question (or the post is gone); ``is_hidden`` says which."""
    id: int
    amount: int
    reason: str
    label: object
    question_id: int | None
    answer_id: int | None
    created_at: datetime
    reverses_id: int | None
    is_hidden: bool
    rule_version: int | None = None   # None/0: the code defaults
    note: str | None = None           # a manual award's reason
    title: str | None = None          # the question's, when shown
    slug: str | None = None


def ledger_for_user(session: Session, user_id: int, *, viewer, page: int = 1,
                    per_page: int = 20) -> Page[LedgerRow]:
    """The user's entries, newest first, paginated; three queries whatever the page size.

    Every entry is listed, so the amounts still add up to the user's public total; but an
    entry earned on a question the viewer may not see (another team's, internal for a
    customer, deleted) loses its post ids: otherwise the ledger would leak that the hidden
    question exists and who answered it. Moderators see deleted questions, as on the site.
    """
    stmt = (select(PointsEntry).where(PointsEntry.user_id == user_id)
            .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc()))
    result = paginate(session, stmt, page, per_page)
    question_ids = {e.question_id for e in result.items if e.question_id is not None}
    visible: dict[int, tuple[str, str]] = {}
    if question_ids:
        clause = access.visible_clause(viewer, include_deleted=access.can_moderate(viewer))
        visible = {i: (t, s) for i, t, s in session.execute(
            select(Question.id, Question.title, Question.slug).where(Question.id.in_(question_ids), clause))}
    rows = [_row(e, visible.get(e.question_id)) for e in result.items]
    return Page(items=rows, total=result.total, page=result.page, per_page=result.per_page)


def _row(entry: PointsEntry, question: tuple[str, str] | None) -> LedgerRow:
    shown = question is not None
    return LedgerRow(id=entry.id, amount=entry.amount, reason=entry.reason, label=rules.label(entry.reason),
                     question_id=entry.question_id if shown else None,
                     answer_id=entry.answer_id if shown else None, created_at=entry.created_at,
                     reverses_id=entry.reverses_id, is_hidden=entry.question_id is not None and not shown,
                     rule_version=entry.rule_version, note=entry.note,
                     title=question[0] if shown else None, slug=question[1] if shown else None)


@dataclass(frozen=True)
class Mismatch:
    user_id: int
    username: str
    cached: int
    ledger: int


def verify(session: Session) -> list[Mismatch]:
    """Users whose cached ``points`` differ from the sum of their ledger entries, by id.

    One aggregate over the ledger joined to the users; users without entries must have 0.
    """
    sums = (select(PointsEntry.user_id, func.sum(PointsEntry.amount).label("total"))
            .group_by(PointsEntry.user_id).subquery())
    ledger_total = func.coalesce(sums.c.total, 0)
    rows = session.execute(
        select(User.id, User.username, User.points, ledger_total)
        .outerjoin(sums, sums.c.user_id == User.id)
        .where(User.points != ledger_total)
        .order_by(User.id))
    return [Mismatch(user_id=i, username=u, cached=c, ledger=int(t)) for i, u, c, t in rows]


def ledger_sum(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0))
                              .where(PointsEntry.user_id == user_id)) or 0)


def visible_total(session: Session, user: User, viewer) -> int:
    """The user's points as ``viewer`` may know them.

    The user and moderators see the cached total. Anyone else sees the sum of the entries
    earned on questions they may see (and of entries tied to no question): a visitor's view
    of an agent's profile must not count, and so reveal, activity on internal or team
    questions. One aggregate query.
    """
    if getattr(viewer, "is_authenticated", False) and (viewer.id == user.id or access.can_moderate(viewer)):
        return user.points
    stmt = (select(func.coalesce(func.sum(PointsEntry.amount), 0))
            .select_from(PointsEntry).outerjoin(Question, Question.id == PointsEntry.question_id)
            .where(PointsEntry.user_id == user.id,
                   PointsEntry.question_id.is_(None) | access.visible_clause(viewer)))
    return int(session.scalar(stmt) or 0)
