"""Socket.IO connection handling on the default namespace (see ../shared/API.md, Real time)."""
from __future__ import annotations

import logging

from flask import current_app, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room
from app.accounts.auth import parse_identity
from app.accounts.services import token_for, user_for_token
from app.extensions import db, socketio
from app.realtime.registry import session_key, token_key
from app.realtime.server import realtime_of

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
    realtime.unauthenticate(request.environ)


def deliver_notifications(notifications) -> None:
    """Notifier for app.notifications: push each committed notification to its user's room.

    Runs after commit; with REDIS_URL set, Flask-SocketIO's message queue carries the emit to
    whichever worker holds the user's connection."""
    from app.db import session_of
    from app.notifications.services import resolve_subjects, to_json

    for note in notifications:
        # What the recipient may see at the moment of the emit (access checked per recipient).
        resolved = resolve_subjects(session_of(note), note.user_id, [note])
        socketio.emit("notification", to_json(note, resolved), to=user_room(note.user_id))
