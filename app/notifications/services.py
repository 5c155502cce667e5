"""Creating, settling and reading notifications. No commits here: the caller's transaction decides.

Rules every notification obeys, whoever sends it (:func:`notify_many`):

* never about someone's own action (the actor is not told);
* never to someone who cannot see the subject now, nor to a deactivated account;
* never about a question that is already solved, except the event that solves it;
* as the reader chose for the kind (instant, quiet hours, daily or weekly digest, off).

Rows first, delivery after commit: the registered deliverers (the socket emitter) get the
committed rows, and count listeners learn whose unread count changed.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from contextlib import nullcontext

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, scoped_session

from app.accounts.models import User
from app.db import after_commit, utcnow
from app.notifications import kinds, preferences, subjects
from app.notifications.models import Delivery, Notification

# Called after commit with the committed notifications; realtime registers its emitter here.
_deliverers: list[Callable[[list[Notification]], None]] = []
# Called after commit with (session, user ids) whose unread count changed.
_count_listeners: list[Callable[[Session, set[int]], None]] = []


def register_deliverer(fn: Callable[[list[Notification]], None]) -> None:
    if fn not in _deliverers:
        _deliverers.append(fn)


def register_count_listener(fn: Callable[[Session, set[int]], None]) -> None:
    if fn not in _count_listeners:
        _count_listeners.append(fn)


def _deliver(notifications: list[Notification]) -> None:
    for fn in _deliverers:
        fn(notifications)


def _counts_changed(session: Session, user_ids: set[int]) -> None:
    for fn in _count_listeners:
        fn(session, user_ids)


_COUNTS_KEY = "notification_counts"


def _after_commit_counts(session: Session, user_ids: Iterable[int]) -> None:
    """Queue one count notice per transaction, however many changes it makes."""
    pending = session.info.get(_COUNTS_KEY)
    if pending is None:
        pending = session.info[_COUNTS_KEY] = set()
        after_commit(session, _flush_counts, session, pending)
    pending.update(user_ids)


def _flush_counts(session: Session, pending: set[int]) -> None:
    if session.info.get(_COUNTS_KEY) is pending:
        session.info.pop(_COUNTS_KEY)
    try:
        _counts_changed(session, pending)
    finally:
        end_read(session)


def end_read(session: Session) -> None:
    """End the reading transaction an after-commit side effect began on its caller's session.

    Left open, it would pin an old snapshot (SQLite WAL): a job that commits meanwhile on
    another connection, then a write on this session (a command's or a test's next step), fails
    with "database is locked" instead of seeing the new data."""
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


@event.listens_for(Session, "after_soft_rollback")
def _forget_counts(session: Session, previous_transaction) -> None:
    # The after-commit queue was dropped with the transaction: the next one starts a new notice.
    if not previous_transaction.nested:
        session.info.pop(_COUNTS_KEY, None)


# --- creating ---------------------------------------------------------------------------------

def notify(session: Session, user_id: int, kind: str, *, subject: tuple[str, int] | None = None,
           question_id: int | None = None, actor_id: int | None = None,
           payload: dict | None = None, solving: bool = False) -> Notification | None:
    """Store one notification if the rules allow it (see the module); None when they do not.

    ``subject``: what it is about, ``(type, id)`` of a type registered in
    ``app.notifications.subjects`` (default: the question ``question_id``). ``payload``: codes
    and parameters rendered in the reader's language, never text copied from the subject."""
    made = notify_many(session, [user_id], kind, subject=subject, question_id=question_id, actor_id=actor_id,
                       payload=payload, solving=solving)
    return made[0] if made else None


def notify_many(session: Session, user_ids: Iterable[int], kind: str, *, subject: tuple[str, int] | None = None,
                question_id: int | None = None, actor_id: int | None = None,
                payload: dict | None = None, solving: bool = False) -> list[Notification]:
    """:func:`notify` for several readers at once, in a fixed number of queries. ``solving``:
    this is the event that solved the question (its acceptance), which may be told."""
    if subject is None and question_id is not None:
        subject = ("question", question_id)
    ids = [uid for uid in dict.fromkeys(user_ids) if uid is not None and uid != actor_id]
    if not ids or (question_id is not None and not (solving or kinds.get(kind).on_solved)
                   and _solved(session, question_id)):
        return []
    readers = list(session.scalars(select(User).where(User.id.in_(ids), User.is_active_account.is_(True))))
    allowed = subjects.audience(session, subject, readers)
    prefs = preferences.preferences_of(session, allowed)
    now = utcnow()
    made = []
    for uid in ids:
        if uid not in allowed:
            continue
        how = preferences.delivery(prefs[uid], kind, now)
        if how is None:
            continue
        made.append(Notification(user_id=uid, kind=kind, question_id=question_id, actor_id=actor_id,
                                 subject_type=subject[0] if subject else None,
                                 subject_id=subject[1] if subject else None, payload=dict(payload or {}),
                                 delivery=how, created_at=now))
    if made:
        session.add_all(made)
        session.flush()  # the id is the client's resume point: deliver only notifications that have one
        after_commit(session, _deliver, made)
        _after_commit_counts(session, {n.user_id for n in made})
    return made


def _solved(session: Session, question_id: int) -> bool:
    from app.forum.models import Question

    return session.scalar(select(Question.accepted_answer_id).where(Question.id == question_id)) is not None


# --- settling -----------------------------------------------------------------------------------

def resolve(session: Session, *, question_id: int, user_id: int | None = None,
            kind_codes: Iterable[str] | None = None) -> int:
    """Settle the open notifications about ``question_id`` that wait for an action (kinds that
    ``settle``), for one user or everyone; returns how many. They leave the unread count."""
    codes = list(kind_codes or [k.code for k in kinds.all_kinds() if k.settles])
    where = [Notification.question_id == question_id, Notification.kind.in_(codes),
             Notification.resolved_at.is_(None)]
    if user_id is not None:
        where.append(Notification.user_id == user_id)
    users = set(session.scalars(select(Notification.user_id).where(*where)))
    if not users:
        return 0
    count = session.execute(update(Notification).where(*where).values(resolved_at=utcnow()),
                            execution_options={"synchronize_session": False}).rowcount or 0
    _after_commit_counts(session, users)
    return count


def mark_read(session: Session, user_id: int, up_to: int | None = None) -> int:
    """Mark the user's notifications read (all, or those with id <= ``up_to``); returns how many."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if up_to is not None:
        stmt = stmt.where(Notification.id <= up_to)
    count = session.execute(stmt.values(read_at=utcnow()), execution_options={"synchronize_session": False}).rowcount
    if count:
        _after_commit_counts(session, {user_id})
    return count or 0


# --- reading ------------------------------------------------------------------------------------

def count_since(session: Session, user_id: int, since: datetime) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.created_at >= since)) or 0


def counts_today(session: Session, user_ids, now: datetime | None = None,
                 kind_codes: Iterable[str] = ("routed",)) -> dict[int, int]:
    """Notifications of ``kind_codes`` per user since the start of the current UTC day (the
    routing daily cap's window: answers and mentions do not use up anyone's cap)."""
    now = now or utcnow()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = session.execute(select(Notification.user_id, func.count(Notification.id))
                           .where(Notification.user_id.in_(list(user_ids)), Notification.created_at >= start,
                                  Notification.created_at < start + timedelta(days=1),
                                  Notification.kind.in_(list(kind_codes)))
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


def latest_id(session: Session, user_id: int) -> int:
    """The client's starting point for catch-up: the newest id the page already knows of."""
    return session.scalar(select(func.max(Notification.id)).where(Notification.user_id == user_id)) or 0


def bell_state(session: Session, user_id: int) -> tuple[int, int]:
    """``(unread, newest id)`` in one query: what the header's bell shows and where the page's
    live client resumes."""
    unread = func.count(Notification.id).filter(Notification.read_at.is_(None), Notification.resolved_at.is_(None))
    count, newest = session.execute(select(unread, func.max(Notification.id))
                                    .where(Notification.user_id == user_id)).one()
    return count or 0, newest or 0


def unread_count(session: Session, user_id: int) -> int:
    """Unread and unresolved: a routed question someone else answered no longer asks for attention."""
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None), Notification.resolved_at.is_(None))) or 0


def unread_counts(session: Session, user_ids) -> dict[int, int]:
    ids = list(user_ids)
    rows = session.execute(select(Notification.user_id, func.count(Notification.id)).where(
        Notification.user_id.in_(ids), Notification.read_at.is_(None), Notification.resolved_at.is_(None))
        .group_by(Notification.user_id)) if ids else []
    return {**{uid: 0 for uid in ids}, **{uid: n for uid, n in rows}}


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


def actor_names(session: Session, notes) -> dict[int, str]:
    ids = {n.actor_id for n in notes if n.actor_id}
    if not ids:
        return {}
    return {uid: name for uid, name in session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))}


def sentence(note: Notification, subject: subjects.Subject | None, actor: str | None) -> str:
    """What happened, in the current locale, as plain text (the subject's title inside it)."""
    if subject is subjects.GONE:
        shown = _("a deleted question") if note.subject_type == "question" else _("something that was deleted")
    elif subject is not None:
        shown = "“%s”" % subject.title
    elif note.subject_type == "question":
        shown = _("a question you cannot see")
    else:
        shown = ""
    return kinds.get(note.kind).sentence(note.payload or {}, {"subject": shown, "actor": actor or _("Someone")})


def to_json(note: Notification, resolved: dict, names: dict | None = None, locale: str | None = None) -> dict:
    """The public shape (API.md): the same in GET /api/v1/notifications and the Socket.IO event.
    ``resolved``: :func:`resolve_subjects` for the reader; a hidden subject has no title or url,
    a deleted one is ``"gone": true``. ``text`` is in ``locale`` (default: the current one)."""
    payload = note.payload or {}
    subject = subject_of(note, resolved)
    shown = subject is not None and subject is not subjects.GONE
    actor = (names or {}).get(note.actor_id) if note.actor_id else None
    if locale:
        with force_locale(locale):
            text = sentence(note, subject, actor)
    else:
        text = sentence(note, subject, actor)
    return {"id": note.id, "kind": note.kind, "subject_type": note.subject_type, "subject_id": note.subject_id,
            "question_id": note.question_id, "title": subject.title if shown else None,
            "url": subject.url if shown else None, "gone": subject is subjects.GONE,
            "text": text, "actor": {"id": note.actor_id, "name": actor} if note.actor_id else None,
            "delivery": note.delivery or Delivery.instant,
            "reasons": payload.get("reasons", []), "rank": payload.get("rank"),
            "created_at": _iso(note.created_at), "read": note.read_at is not None,
            "resolved": note.resolved_at is not None}


def reader_locale(user: User | None) -> str:
    """The language of what is pushed or mailed to ``user`` outside their own request."""
    languages = current_app.config["LANGUAGES"]
    if user is not None and user.locale in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def url_context():
    """A request context for building subjects' URLs outside a request (a job, a command, the
    worker): the site's public origin, or the configured base for mail links."""
    if has_request_context():
        return nullcontext()
    base = current_app.config.get("PUBLIC_URL") or current_app.config.get("MAIL_BASE_URL") or "http://localhost"
    return current_app.test_request_context("/", base_url=base)


def _iso(moment: datetime | None) -> str | None:
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None
