"""The per-application real-time state, and how it hooks into the Socket.IO server.

``socketio_options(app)`` (in ``app.realtime``) builds a :class:`Realtime` for each app and hands
Flask-SocketIO a client manager that carries it. python-socketio gives its client manager the
server right after building its Engine.IO server (``Manager.set_server``); that is the one
moment this app can reach each new server, since Flask-SocketIO creates the server inside
``init_app``. There :meth:`Realtime.bind` wraps the Engine.IO connect and disconnect handlers
with the admission rules of :mod:`app.realtime.guard`:

* handshake: a session cookie or ``Authorization: Bearer`` is resolved to a user through the
  app's own login loaders (so every rule the accounts domain applies to a session applies here);
  then the guard admits or refuses, and a refusal is an HTTP 401 before any session exists;
* a sweeper closes sessions still pending after the window (it runs only while something is
  pending, so idle processes and test apps hold no thread);
* disconnect: the session's counts are released.
"""
from __future__ import annotations

import logging

import socketio
from flask import Flask
from flask_login import current_user
from werkzeug.http import parse_cookie

from app.extensions import db
from app.realtime.guard import NOT_ADMITTED, ConnectionGuard, Limits
from app.realtime.registry import MemoryRegistry, RedisRegistry
from app.realtime.rooms import MemoryWatchers, RedisWatchers

log = logging.getLogger(__name__)

EXTENSION_KEY = "qaforum.realtime"
#: Where the handshake's environ records its Engine.IO sid. Flask-SocketIO builds every event's
#: request context from that same environ dict, so the connect handler finds the sid there.
ENVIRON_SID = "qaforum.realtime.eio_sid"


class Realtime:
    """Guard, registry, question watchers and server of one application."""

    def __init__(self, app: Flask, queue_url: str | None):
        self.app = app
        self.guard = ConnectionGuard(Limits.from_config(app.config))
        self.registry = RedisRegistry(queue_url) if queue_url else MemoryRegistry()
        self.watchers = RedisWatchers(queue_url) if queue_url else MemoryWatchers()
        self.server: socketio.Server | None = None

    # --- wiring ---------------------------------------------------------------------------
    def bind(self, server: socketio.Server) -> None:
        """Wrap ``server``'s Engine.IO connect/disconnect handlers with the guard.

        Both the Engine.IO handler table and the server attributes are replaced: the Engine.IO
        server calls the former, Flask-SocketIO's test client calls the latter directly.
        """
        self.server = server
        connect, disconnect = server._handle_eio_connect, server._handle_eio_disconnect

        def eio_connect(eio_sid, environ):
            refusal = self._admit(eio_sid, environ)
            if refusal is not None:
                log.info("Engine.IO handshake refused (%s) from %s", refusal, _address(environ))
                return refusal  # Engine.IO answers 401 {"message": refusal}
            return connect(eio_sid, environ)

        def eio_disconnect(eio_sid, reason=None):
            try:
                return disconnect(eio_sid, reason)  # runs the Socket.IO disconnect handlers first
            finally:
                self.guard.release(eio_sid)

        server._handle_eio_connect = eio_connect
        server._handle_eio_disconnect = eio_disconnect
        server.eio.on("connect", eio_connect)
        server.eio.on("disconnect", eio_disconnect)

    # --- admission --------------------------------------------------------------------------
    def _admit(self, eio_sid: str, environ: dict) -> str | None:
        environ[ENVIRON_SID] = eio_sid
        refusal, start_sweeper = self.guard.admit(eio_sid, _address(environ), self._handshake_user(environ))
        if start_sweeper:
            self.start_sweeper()
        return refusal

    def authenticate(self, environ: dict, user_id: int) -> str | None:
        """Called by the Socket.IO connect handler once it knows the user."""
        eio_sid = environ.get(ENVIRON_SID)
        if eio_sid is None:
            return NOT_ADMITTED
        return self.guard.authenticate(eio_sid, user_id)

    def unauthenticate(self, environ: dict) -> None:
        """The Socket.IO connection ended; its transport gets the window to authenticate anew."""
        if self.guard.unauthenticate(environ.get(ENVIRON_SID)):
            self.start_sweeper()

    def _handshake_user(self, environ: dict) -> int | None:
        """The user a handshake's own credentials prove, if it carries any (else None, no query)."""
        cookies = parse_cookie(environ)
        names = (self.app.config.get("SESSION_COOKIE_NAME", "session"),
                 self.app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
        if "HTTP_AUTHORIZATION" not in environ and not any(name in cookies for name in names):
            return None
        with self.app.request_context(environ):
            try:
                user = current_user._get_current_object()
                return user.id if user.is_authenticated else None
            except Exception:  # a malformed credential is no credential: the session is pending
                log.exception("could not resolve the credentials of an Engine.IO handshake")
                return None
            finally:
                db.session.remove()

    # --- the window ---------------------------------------------------------------------------
    def start_sweeper(self) -> None:
        if self.server is not None:
            self.server.start_background_task(self._sweep)

    def _sweep(self) -> None:
        """Close sessions that stayed pending past the window; stop when none is pending."""
        window = self.guard.limits.window
        interval = min(max(window / 4, 0.25), 5.0)
        while True:
            self.server.sleep(interval)
            expired, stop = self.guard.sweep()
            for eio_sid in expired:
                try:
                    self.server.eio.disconnect(eio_sid)
                except Exception:  # one broken transport must not keep the others open
                    log.exception("could not close Engine.IO session %s", eio_sid)
                self.guard.release(eio_sid)
            if expired:
                log.info("closed %d Engine.IO session(s) that did not authenticate within %ss",
                         len(expired), window)
            if stop:
                return


def _address(environ: dict) -> str:
    # REMOTE_ADDR is the client's own address when the process serves clients directly, and the
    # one nginx forwarded when deploy/gunicorn.conf.py trusts the proxy (ProxyFix): never parse
    # X-Forwarded-For here, a client could write any address into it.
    return environ.get("REMOTE_ADDR") or "unknown"


# --- client managers ---------------------------------------------------------------------------

class _BindsRealtime:
    """Mixin: bind the app's :class:`Realtime` to the server this manager is given."""

    def __init__(self, realtime: Realtime, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.realtime = realtime

    def set_server(self, server):
        super().set_server(server)
        self.realtime.bind(server)


class LocalManager(_BindsRealtime, socketio.Manager):
    """One process: rooms in memory."""


class QueueManager(_BindsRealtime, socketio.RedisManager):
    """Several processes: emits and disconnects travel through Redis (``REDIS_URL``)."""


def client_manager(app: Flask, queue_url: str | None):
    """The client manager for ``app``'s server; also records the app's :class:`Realtime`."""
    realtime = Realtime(app, queue_url)
    app.extensions[EXTENSION_KEY] = realtime
    if queue_url:
        # The channel Flask-SocketIO itself would use, so a write-only emitter configured the
        # Flask-SocketIO way (SocketIO(message_queue=...)) reaches these processes.
        return QueueManager(realtime, queue_url, channel="flask-socketio")
    return LocalManager(realtime)


def realtime_of(app: Flask) -> Realtime:
    return app.extensions[EXTENSION_KEY]
