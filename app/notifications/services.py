"""Creating and reading notifications. No commits here: the caller's transaction decides."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import after_commit, utcnow
from app.forum import access
from app.forum.models import Question
from app.forum.urls import question_url
from app.notifications.models import Notification

# Called after commit with the committed notifications; realtime registers its emitter here.
# A list, not one slot, so a second channel (e-mail digests) can join without touching callers.
_deliverers: list[Callable[[list[Notification]], None]] = []


def register_deliverer(fn: Callable[[list[Notification]], None]) -> None:
    if fn not in _deliverers:
        _deliverers.append(fn)


def _deliver(notifications: list[Notification]) -> None:
    for fn in _deliverers:
        fn(notifications)


def notify(session: Session, user_id: int, kind: str, *, question_id: int | None = None,
           payload: dict | None = None) -> Notification:
    """Store a notification; the deliverers get it once the transaction commits."""
    note = Notification(user_id=user_id, kind=kind, question_id=question_id, payload=payload or {})
    session.add(note)
    session.flush()  # the id is the client's resume point: deliver only notifications that have one
    after_commit(session, _deliver, [note])
    return note


def count_since(session: Session, user_id: int, since: datetime) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.created_at >= since)) or 0


def counts_today(session: Session, user_ids, now: datetime | None = None) -> dict[int, int]:
    """Notifications per user since the start of the current UTC day (the daily cap's window)."""
    now = now or utcnow()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = session.execute(select(Notification.user_id, func.count(Notification.id))
                           .where(Notification.user_id.in_(list(user_ids)), Notification.created_at >= start,
                                  Notification.created_at < start + timedelta(days=1))
                           .group_by(Notification.user_id))
    return {uid: n for uid, n in rows}


def list_after(session: Session, user_id: int, after: int = 0, limit: int = 100) -> list[Notification]:
    """The user's notifications with id > ``after``, oldest first."""
    return list(session.scalars(select(Notification).where(Notification.user_id == user_id,
                                                           Notification.id > after)
                                .order_by(Notification.id).limit(limit)))


def recent(session: Session, user_id: int, limit: int = 50) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user_id)
                                .order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, user_id: int, up_to: int | None = None) -> int:
    """Mark the user's notifications read (all, or those with id <= ``up_to``); returns how many."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if up_to is not None:
        stmt = stmt.where(Notification.id <= up_to)
    return session.execute(stmt.values(read_at=utcnow())).rowcount or 0


def visible_subjects(session: Session, user_id: int, notes) -> dict[int, Question]:
    """The questions of ``notes`` that the user may see *now*, by id (one query for the user, one
    for the questions). A notification keeps its subject's id, never a copy of what the subject
    said: a question that became team-only, or a team the reader left, must not keep showing
    its title in the list, the API or the socket event (``app.forum.access`` decides)."""
    ids = {n.question_id for n in notes if n.question_id is not None}
    if not ids:
        return {}
    user = session.get(User, user_id)
    questions = session.scalars(select(Question).where(Question.id.in_(ids)))
    return {q.id: q for q in questions if access.can_view(q, user)}


def to_json(note: Notification, subjects: dict[int, Question]) -> dict:
    """The public shape (API.md): the same in GET /api/v1/notifications and the Socket.IO event.
    ``subjects``: :func:`visible_subjects` for the reader; a subject missing from it has no
    title or url in the output."""
    payload = note.payload or {}
    created = note.created_at.replace(microsecond=0).isoformat() + "Z" if note.created_at else None
    subject = subjects.get(note.question_id) if note.question_id is not None else None
    return {"id": note.id, "kind": note.kind, "question_id": note.question_id,
            "title": subject.title if subject is not None else None,
            "url": question_url(subject) if subject is not None else None,
            "reasons": payload.get("reasons", []), "rank": payload.get("rank"),
            "created_at": created, "read": note.read_at is not None}
