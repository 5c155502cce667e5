"""Creating and reading notifications. No commits here: the caller's transaction decides."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import after_commit, utcnow
from app.notifications import subjects
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


def notify(session: Session, user_id: int, kind: str, *, subject: tuple[str, int] | None = None,
           question_id: int | None = None, actor_id: int | None = None, payload: dict | None = None) -> Notification:
    """Store a notification; the deliverers get it once the transaction commits.

    ``subject``: what it is about, ``(type, id)`` of a type registered in
    ``app.notifications.subjects`` (default: the question ``question_id``). ``payload``: codes
    and parameters rendered in the reader's language, never text copied from the subject."""
    if subject is None and question_id is not None:
        subject = ("question", question_id)
    note = Notification(user_id=user_id, kind=kind, question_id=question_id, actor_id=actor_id,
                        subject_type=subject[0] if subject else None, subject_id=subject[1] if subject else None,
                        payload=payload or {})
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
    """Unread and unresolved: a routed question someone else answered no longer asks for attention."""
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None), Notification.resolved_at.is_(None))) or 0


def mark_read(session: Session, user_id: int, up_to: int | None = None) -> int:
    """Mark the user's notifications read (all, or those with id <= ``up_to``); returns how many."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if up_to is not None:
        stmt = stmt.where(Notification.id <= up_to)
    return session.execute(stmt.values(read_at=utcnow())).rowcount or 0


def resolve_subjects(session: Session, user_id: int, notes) -> dict:
    """The subjects of ``notes`` as the user may see them *now* (``app.notifications.subjects``):
    a question that became team-only, or a team the reader left, must not keep showing its
    title in the list, the API or the socket event."""
    reader = session.get(User, user_id)
    return subjects.resolve(session, reader, [(n.subject_type, n.subject_id) for n in notes])


def subject_of(note: Notification, resolved: dict) -> subjects.Subject | None:
    """The note's subject from :func:`resolve_subjects` (``subjects.GONE`` when deleted), None
    when the reader may not see it or it has none."""
    return resolved.get((note.subject_type, note.subject_id))


def to_json(note: Notification, resolved: dict) -> dict:
    """The public shape (API.md): the same in GET /api/v1/notifications and the Socket.IO event.
    ``resolved``: :func:`resolve_subjects` for the reader; a hidden subject has no title or url,
    a deleted one is ``"gone": true``."""
    payload = note.payload or {}
    subject = subject_of(note, resolved)
    shown = subject is not None and subject is not subjects.GONE
    return {"id": note.id, "kind": note.kind, "subject_type": note.subject_type, "subject_id": note.subject_id,
            "question_id": note.question_id, "title": subject.title if shown else None,
            "url": subject.url if shown else None, "gone": subject is subjects.GONE,
            "reasons": payload.get("reasons", []), "rank": payload.get("rank"),
            "created_at": _iso(note.created_at), "read": note.read_at is not None,
            "resolved": note.resolved_at is not None}


def _iso(moment: datetime | None) -> str | None:
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None
