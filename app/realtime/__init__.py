"""Real-time delivery over Socket.IO. Connections are authenticated (session cookie or API
token) and each user joins a private room; later notifiers emit to ``user_room(id)``."""
from __future__ import annotations


def socketio_options(app) -> dict:
    """Keyword arguments for ``socketio.init_app``: the async mode that matches the server the
    app runs in, and the message queue shared by several processes (``REDIS_URL``)."""
    return {"message_queue": app.config.get("SOCKETIO_MESSAGE_QUEUE"), "async_mode": "threading"}


def connect(app) -> None:
    """Deliver committed notifications to the users' rooms (idempotent)."""
    from app.notifications.services import register_deliverer
    from app.realtime.events import deliver_notifications

    register_deliverer(deliver_notifications)
