"""Real-time delivery over Socket.IO. Connections are authenticated (session cookie or API
token) and each user joins a private room; notifiers emit to ``user_room(id)``.

* :func:`socketio_options`: how ``create_app`` sets up the server (async mode, message queue,
  and the client manager that installs the connection guard, :mod:`app.realtime.server`);
* :func:`connect`: the receivers that end sockets with their credentials
  (:mod:`app.realtime.credentials`);
* ``events``: the Socket.IO handlers (connect, watch a question) and the notification deliverer;
* ``rooms``: question rooms and their events; ``client``: the browser client's script tags.
"""
from __future__ import annotations

import sys


def async_mode() -> str:
    """``"gevent"`` when gevent has patched this process (gunicorn ``-k gevent``, see
    deploy/gunicorn.conf.py), else ``"threading"`` (``flask run``, sync workers, tests, CLI).

    Patched sockets with the threading driver would block the gevent hub; unpatched ones with the
    gevent driver would serve one client at a time: the mode must follow the process.
    """
    monkey = sys.modules.get("gevent.monkey")  # never import gevent into a process that lacks it
    return "gevent" if monkey is not None and monkey.is_module_patched("socket") else "threading"


def socketio_options(app) -> dict:
    """Keyword arguments for ``socketio.init_app``: the async mode that matches the server the
    app runs in, and the client manager (in memory, or on the ``REDIS_URL`` message queue shared
    by several processes) that carries this app's connection guard and socket registry."""
    from app.realtime.server import client_manager

    return {"async_mode": async_mode(),
            "client_manager": client_manager(app, app.config.get("SOCKETIO_MESSAGE_QUEUE"))}


def connect(app) -> None:
    """Deliver committed notifications and unread counts to the users' rooms, emit question
    events to the question rooms, end sockets with their credentials, and tell the pages where
    the Socket.IO client is (idempotent)."""
    from app.notifications.services import register_count_listener, register_deliverer
    from app.realtime import client, rooms
    from app.realtime.credentials import connect as connect_credentials
    from app.realtime.events import deliver_notifications, deliver_unread_counts

    register_deliverer(deliver_notifications)
    register_count_listener(deliver_unread_counts)
    rooms.connect_receivers()
    connect_credentials()
    client.init_app(app)
