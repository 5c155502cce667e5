"""Socket.IO connection handling on the default namespace (see ../shared/API.md, Real time)."""
from __future__ import annotations

from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from app.accounts.services import user_for_token
from app.extensions import db, socketio


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


@socketio.on("connect")
def on_connect(auth=None):
    """Accept a logged-in browser session or ``auth={"token": "<api token>"}``; refuse others."""
    user = current_user if getattr(current_user, "is_authenticated", False) else None
    if user is None and isinstance(auth, dict) and isinstance(auth.get("token"), str):
        user = user_for_token(db.session, auth["token"])
    db.session.remove()  # a socket lives long: do not hold a connection or a transaction
    if user is None:
        raise ConnectionRefusedError("authentication required")
    join_room(user_room(user.id))


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
