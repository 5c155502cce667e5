"""Digest mails: what a user chose to hear of daily or weekly, gathered into one message per
period, rendered in the user's language, sent through the mail port (``app.notifications.mail``).

The job (:func:`digest_job`, periodic) finds users with unmailed daily/weekly items. A user's
daily period is their local calendar day: yesterday's items go out on the first run after local
midnight that is outside their quiet hours; weekly likewise, by ISO week. Items older than the
period still unmailed (the job did not run for a while) go in the same message.

Never twice: a ``DigestSend`` row per (user, period) is inserted first, in a savepoint; a second
scheduler, or a retried job, meets the unique key and skips. The mail itself is sent after the
commit, so a rolled-back run sends nothing (a failure to send is logged; the period counts as
done rather than risk a double).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import after_commit, utcnow
from app.notifications import kinds, preferences, services
from app.notifications.mail import Message, mailer_for
from app.notifications.models import Delivery, DigestSend, Notification

log = logging.getLogger(__name__)
_SALT = "notifications-unsubscribe"


# --- unsubscribe links ------------------------------------------------------------------------

def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A link's token, signed for this user and this kind only."""
    return _signer().dumps({"u": user_id, "k": kind})


def read_unsubscribe_token(session: Session, token: str) -> tuple[User, str] | None:
    try:
        data = _signer().loads(token)
        user = session.get(User, int(data["u"]))
        kind = str(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return (user, kind) if user is not None else None


def unsubscribe(session: Session, user: User, kind: str) -> None:
    """No more mail about ``kind``: it stays in the inbox (instant), it is not switched off."""
    preferences.set_frequency(session, user.id, kind, "instant")
    session.flush()


# --- periods ----------------------------------------------------------------------------------

def due_period(frequency: str, prefs: preferences.Preferences, now: datetime) -> tuple[str, datetime] | None:
    """``(period key, cutoff)`` of the last finished period: items made before ``cutoff`` (naive
    UTC) belong to it. None while the user is in quiet hours."""
    if prefs.quiet_at(now):
        return None
    local = preferences.to_local(now, prefs.timezone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == Delivery.daily:
        start, key = midnight, f"daily:{(midnight - timedelta(days=1)).date().isoformat()}"
    else:
        start = midnight - timedelta(days=local.weekday())
        year, week, _day = (start - timedelta(days=7)).isocalendar()
        key = f"weekly:{year}-W{week:02d}"
    cutoff = start.astimezone(preferences.zone("UTC")).replace(tzinfo=None)
    return key, cutoff


# --- the job ----------------------------------------------------------------------------------

def digest_job(session: Session, now: datetime | None = None) -> int:
    """Send every digest that is due; returns how many were sent (periodic, idempotent)."""
    now = now or utcnow()
    rows = session.execute(select(Notification.user_id, Notification.delivery).where(
        Notification.mailed_at.is_(None), Notification.delivery.in_(Delivery.DIGESTS)).distinct()).all()
    if not rows:
        return 0
    wanted: dict[int, set[str]] = defaultdict(set)
    for uid, delivery in rows:
        wanted[uid].add(delivery)
    prefs = preferences.preferences_of(session, wanted)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(wanted))))}
    sent = 0
    for uid, frequencies in sorted(wanted.items()):
        for frequency in sorted(frequencies):
            due = due_period(frequency, prefs[uid], now)
            if due is not None and _send_one(session, users.get(uid), frequency, *due, now):
                sent += 1
    return sent


def _send_one(session: Session, user: User | None, frequency: str, period: str, cutoff: datetime,
              now: datetime) -> bool:
    if user is None:
        return False
    notes = list(session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.delivery == frequency, Notification.mailed_at.is_(None),
        Notification.created_at < cutoff).order_by(Notification.id)))
    if not notes:
        return False
    ids = [n.id for n in notes]
    if user.email and user.is_active_account:
        try:
            with session.begin_nested():
                session.add(DigestSend(user_id=user.id, period=period, items=len(notes), notification_ids=ids,
                                       sent_at=now))
        except IntegrityError:  # this period went out already (another scheduler, a retry)
            return False
    session.execute(update(Notification).where(Notification.id.in_(ids)).values(mailed_at=now),
                    execution_options={"synchronize_session": False})
    if not user.email or not user.is_active_account:
        return False  # nowhere to send it: the items stay in the inbox, marked so they are not gathered again
    message = render_digest(session, user, notes, frequency)
    after_commit(session, _send, current_app._get_current_object(), message)
    return True


def _send(app, message: Message) -> None:
    try:
        mailer_for(app).send(message)
    except Exception:  # the period is recorded as sent; a retry could send it twice
        log.exception("digest mail to %s could not be sent", message.to)


def render_digest(session: Session, user: User, notes: list[Notification], frequency: str) -> Message:
    """One message in the user's language: items grouped by kind, each kind with its own signed
    unsubscribe link; the List-Unsubscribe header carries the first kind's (RFC 8058 one-click)."""
    base = (current_app.config.get("PUBLIC_URL") or current_app.config.get("MAIL_BASE_URL")
            or "http://localhost:5000").rstrip("/")

    def absolute(path: str) -> str:  # paths from url_for, on the site's public origin
        return path if path.startswith(("http://", "https://")) else base + path

    with current_app.test_request_context("/", base_url=base), force_locale(services.reader_locale(user)):
        resolved = services.resolve_subjects(session, user.id, notes)
        names = services.actor_names(session, notes)
        groups = []
        for code in dict.fromkeys(n.kind for n in notes):
            items = []
            for note in (n for n in notes if n.kind == code):
                subject = services.subject_of(note, resolved)
                url = subject.url if subject is not None and subject.url else None
                items.append({"text": services.sentence(note, subject, names.get(note.actor_id)),
                              "url": url and absolute(url), "at": note.created_at})
            link = absolute(url_for("notifications.unsubscribe_page", token=unsubscribe_token(user.id, code),
                                    _external=False))
            groups.append({"label": str(kinds.get(code).label), "items": items, "unsubscribe": link})
        subject = (_("Your daily digest: %(num)d notifications", num=len(notes)) if frequency == Delivery.daily
                   else _("Your weekly digest: %(num)d notifications", num=len(notes)))
        context = {"person": user, "groups": groups, "subject": subject,
                   "settings_url": absolute(url_for("notifications.settings", _external=False)),
                   "inbox_url": absolute(url_for("notifications.inbox", _external=False))}
        text = render_template("notifications/digest_text.html", **context)
        html = render_template("notifications/digest.html", **context)
    return Message(to=user.email, subject=subject, text=text, html=html,
                   headers={"List-Unsubscribe": f"<{groups[0]['unsubscribe']}>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
