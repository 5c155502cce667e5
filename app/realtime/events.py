"""Socket.IO connection handling on the default namespace (see ../shared/API.md, Real time)."""
from __future__ import annotations

import logging

from flask import current_app, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from app.accounts.auth import parse_identity
from app.accounts.services import token_for, user_for_token
from app.extensions import db, socketio
from app.realtime.registry import session_key, token_key
from app.realtime.rooms import can_watch, question_room
from app.realtime.server import ENVIRON_SID, realtime_of

log = logging.getLogger(__name__)


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def _claimed_keys(auth) -> list[str]:
    """The registry keys of the credentials a connection presents, before checking them: the
    user id in the signed session cookie, the row of the ``auth`` token (revoked or not)."""
    keys = []
    # flask-login's key (the cookie's signature is checked): "<id>:<version>:<issued>".
    claimed = parse_identity(session.get("_user_id"))
    if claimed is not None:
        keys.append(session_key(claimed[0]))
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        token = token_for(db.session, auth["token"])  # revocation is keyed by the token's id
        if token is not None:
            keys.append(token_key(token.id))
    return keys


def _credentials(auth) -> tuple[int, str] | None:
    """``(user id, registry key)`` of a logged-in browser session or a valid ``auth`` token."""
    if getattr(current_user, "is_authenticated", False):
        return current_user.id, session_key(current_user.id)
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        user = user_for_token(db.session, auth["token"])
        if user is not None:
            return user.id, token_key(token_for(db.session, auth["token"]).id)
    return None


class _Refused(Exception):
    pass


@socketio.on("connect")
def on_connect(auth=None):
    """Accept a logged-in browser session or ``auth={"token": "<api token>"}``; refuse others,
    and refuse a connection the guard's caps do not allow (app.realtime.guard).

    The socket is registered under the credentials it presents *before* they are checked, so a
    revocation committed while it connects either is seen by the check or finds the socket in
    the registry (app.realtime.credentials then disconnects it once it is connected)."""
    realtime, sid = realtime_of(current_app), request.sid
    try:
        try:
            claimed = _claimed_keys(auth)
            if claimed:
                realtime.registry.add(sid, claimed)
            found = _credentials(auth)
        finally:
            db.session.remove()  # a socket lives long: do not hold a connection or a transaction
        if found is None:
            raise _Refused("authentication required")
        user_id, key = found
        if key not in claimed:  # a remember-me cookie: the user was not in the session cookie
            realtime.registry.add(sid, [*claimed, key])
        refusal = realtime.authenticate(request.environ, user_id)
        if refusal is not None:
            raise _Refused(refusal)
    except _Refused as refused:
        _forget(realtime, sid)
        raise ConnectionRefusedError(str(refused)) from None
    except Exception:
        # Unregistered, the socket would outlive its credential: refuse rather than accept it.
        log.exception("could not admit socket %s", sid)
        _forget(realtime, sid)
        raise ConnectionRefusedError("service unavailable") from None
    join_room(user_room(user_id))


def _forget(realtime, sid: str) -> None:
    try:
        realtime.registry.remove(sid)
    except Exception:  # a stale registry entry is harmless (see app.realtime.registry)
        log.exception("could not unregister socket %s", sid)


@socketio.on("disconnect")
def on_disconnect(*_reason):
    realtime = realtime_of(current_app)
    _forget(realtime, request.sid)
    try:
        realtime.watchers.forget(request.sid)
    except Exception:  # a stale watcher is skipped at the next emit (its sid is gone)
        log.exception("could not forget the watches of socket %s", request.sid)
    realtime.unauthenticate(request.environ)


def _question_id(data) -> int | None:
    raw = data.get("question") if isinstance(data, dict) else None
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).isdigit() or len(str(raw)) > 10:
        return None
    return int(raw)


@socketio.on("watch")
def on_watch(data=None):
    """Join a question's room (``{"question": id}``); answers ``{"ok": bool}``. Refused for a
    question the socket's user may not see, and for one that does not exist (no difference, so
    a watch never reveals that a hidden question exists)."""
    realtime = realtime_of(current_app)
    question_id = _question_id(data)
    user_id = realtime.guard.user_of(request.environ.get(ENVIRON_SID))
    if question_id is None or user_id is None:
        return {"ok": False}
    from app.db import transactional

    try:
        allowed = transactional(write=False)(lambda: user_id in can_watch(db.session, question_id, [user_id]))()
    finally:
        db.session.remove()  # a socket lives long: do not hold a connection
    if not allowed:
        return {"ok": False}
    join_room(question_room(question_id))
    realtime.watchers.add(question_id, request.sid, user_id)
    return {"ok": True}


@socketio.on("unwatch")
def on_unwatch(data=None):
    question_id = _question_id(data)
    if question_id is not None:
        leave_room(question_room(question_id))
        realtime_of(current_app).watchers.remove(question_id, request.sid)
    return {"ok": True}


def deliver_notifications(notifications) -> None:
    """Notifier for app.notifications: push each committed notification to its user's room.

    Runs after commit (in a request, a job or a command: the URL context makes subjects' links
    buildable anywhere); with REDIS_URL set, Flask-SocketIO's message queue carries the emit to
    whichever worker holds the user's connection."""
    from app.accounts.models import User
    from app.db import session_of
    from app.notifications.services import (actor_names, end_read, reader_locale, resolve_subjects, to_json,
                                            url_context)

    sessions = set()
    try:
        with url_context():
            for note in notifications:
                session = session_of(note)
                sessions.add(session)
                # What the recipient may see at the moment of the emit (access checked per
                # recipient), in the recipient's own language.
                resolved = resolve_subjects(session, note.user_id, [note])
                locale = reader_locale(session.get(User, note.user_id))
                socketio.emit("notification", to_json(note, resolved, actor_names(session, [note]), locale),
                              to=user_room(note.user_id))
    finally:
        for session in sessions:
            end_read(session)


def deliver_unread_counts(session, user_ids) -> None:
    """Count listener for app.notifications: the new unread count of each user whose count changed
    (a new notification, one resolved, some read), event ``unread`` ``{"unread": n}``."""
    from app.notifications.services import unread_counts

    for user_id, count in unread_counts(session, user_ids).items():
        socketio.emit("unread", {"unread": count}, to=user_room(user_id))
