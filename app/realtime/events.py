"""Socket.IO connection handling on the default namespace (see ../shared/API.md, Real time)."""
from __future__ import annotations

import logging

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room
from sqlalchemy import select

from app.accounts.models import ApiToken
from app.accounts.services import _digest, user_for_token
from app.extensions import db, socketio
from app.realtime.registry import session_key, token_key

log = logging.getLogger(__name__)


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def _credentials(auth) -> tuple[int, str] | None:
    """``(user id, registry key)`` of a logged-in browser session or a valid ``auth`` token."""
    if getattr(current_user, "is_authenticated", False):
        return current_user.id, session_key(current_user.id)
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        user = user_for_token(db.session, auth["token"])
        if user is not None:
            # accounts has no public lookup of the token row; revocation is keyed by its id.
            token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == _digest(auth["token"])))
            return user.id, token_key(token_id)
    return None


@socketio.on("connect")
def on_connect(auth=None):
    """Accept a logged-in browser session or ``auth={"token": "<api token>"}``; refuse others,
    and refuse a connection the guard's caps do not allow (app.realtime.guard)."""
    from app.realtime.server import realtime_of

    try:
        found = _credentials(auth)
    finally:
        db.session.remove()  # a socket lives long: do not hold a connection or a transaction
    if found is None:
        raise ConnectionRefusedError("authentication required")
    user_id, key = found
    realtime = realtime_of(current_app)
    refusal = realtime.authenticate(request.environ, user_id)
    if refusal is not None:
        raise ConnectionRefusedError(refusal)
    try:
        realtime.registry.add(request.sid, [key])
    except Exception:
        # Unregistered, the socket would outlive its credential: refuse rather than accept it.
        log.exception("could not register socket %s", request.sid)
        realtime.unauthenticate(request.environ)
        raise ConnectionRefusedError("service unavailable") from None
    join_room(user_room(user_id))


@socketio.on("disconnect")
def on_disconnect(*_reason):
    from app.realtime.server import realtime_of

    realtime = realtime_of(current_app)
    try:
        realtime.registry.remove(request.sid)
    except Exception:  # a stale registry entry is harmless (see app.realtime.registry)
        log.exception("could not unregister socket %s", request.sid)
    realtime.unauthenticate(request.environ)


def deliver_notifications(notifications) -> None:
    """Notifier for app.notifications: push each committed notification to its user's room.

    Runs after commit; with REDIS_URL set, Flask-SocketIO's message queue carries the emit to
    whichever worker holds the user's connection."""
    from app.notifications.services import to_json

    for note in notifications:
        socketio.emit("notification", to_json(note), to=user_room(note.user_id))
