"""Admission control for Engine.IO sessions: who may hold a connection, and for how long
without saying who they are.

An Engine.IO session exists from the transport handshake (``GET /socket.io/?EIO=4``), but the
API.md contract authenticates later, in the Socket.IO CONNECT packet (``auth={"token": ...}``).
Between the two, a session is *pending*: it costs the server a socket (and, on a sync worker, a
whole worker) without anyone having proved who they are. The rules:

* a pending session must authenticate within ``window`` seconds, or it is closed;
* one client address may hold at most ``max_pending_per_address`` pending sessions; a further
  handshake is refused before any session exists;
* a handshake that already carries a valid session cookie or bearer token is authenticated at
  once (it never counts as pending), so an office behind one NAT address is not limited by the
  pending cap;
* authenticated sessions are capped per user (``max_per_user``) and per address
  (``max_per_address``).

This module is pure bookkeeping (no Flask, no Socket.IO, an injectable clock) so every rule is
tested on plain values; :mod:`app.realtime.server` wires it into the Socket.IO server. Each
process counts its own sessions: behind the topology's nginx one address always reaches the
same process (``hash $remote_addr``), so the per-address caps are exact; the per-user cap is
per process.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# Protocol messages (Engine.IO answers 401 with {"message": ...}; Socket.IO sends CONNECT_ERROR).
# Clients read them, people do not: they stay untranslated, like "authentication required".
TOO_MANY_PENDING = "too many unauthenticated connections from this address"
TOO_MANY_FOR_USER = "too many connections for this user"
TOO_MANY_FOR_ADDRESS = "too many connections from this address"
NOT_ADMITTED = "connection not admitted"


@dataclass
class _Session:
    address: str
    user_id: int | None   # None while pending
    since: float          # when it (last) became pending; meaningless once authenticated


@dataclass(frozen=True)
class Limits:
    window: float = 10.0
    max_pending_per_address: int = 20
    max_per_user: int = 20
    max_per_address: int = 1000

    @classmethod
    def from_config(cls, config) -> "Limits":
        return cls(window=float(config.get("REALTIME_AUTH_WINDOW", cls.window)),
                   max_pending_per_address=int(config.get("REALTIME_MAX_PENDING_PER_ADDRESS",
                                                          cls.max_pending_per_address)),
                   max_per_user=int(config.get("REALTIME_MAX_PER_USER", cls.max_per_user)),
                   max_per_address=int(config.get("REALTIME_MAX_PER_ADDRESS", cls.max_per_address)))


class ConnectionGuard:
    """The state of every Engine.IO session of one process. Thread-safe.

    Methods that can refuse return the refusal message, or ``None`` when allowed.
    """

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._pending = Counter()      # address -> pending sessions
        self._by_user = Counter()      # user id -> authenticated sessions
        self._by_address = Counter()   # address -> authenticated sessions
        self._sweeping = False

    # --- transitions ----------------------------------------------------------------------
    def admit(self, eio_sid: str, address: str, user_id: int | None = None) -> tuple[str | None, bool]:
        """A new Engine.IO handshake from ``address``; ``user_id`` when it carried valid credentials.

        Returns ``(refusal, start_sweeper)``: the refusal message (the session must not be
        created) or None, and whether the caller must start the sweeper (see :meth:`sweep`)
        because this is the first pending session since it last stopped.
        """
        with self._lock:
            if user_id is not None:
                refusal = self._cap_refusal(address, user_id)
                if refusal is None:
                    self._sessions[eio_sid] = _Session(address, user_id, self._clock())
                    self._count(address, user_id, +1)
                return refusal, False
            if self._pending[address] >= self.limits.max_pending_per_address:
                return TOO_MANY_PENDING, False
            self._sessions[eio_sid] = _Session(address, None, self._clock())
            self._pending[address] += 1
            start = not self._sweeping
            self._sweeping = True
            return None, start

    def authenticate(self, eio_sid: str | None, user_id: int) -> str | None:
        """The session proved it is ``user_id`` (Socket.IO CONNECT). Refuses a session this guard
        never admitted, or one that would pass a cap; the session then stays as it was."""
        with self._lock:
            session = self._sessions.get(eio_sid) if eio_sid else None
            if session is None:
                return NOT_ADMITTED
            if session.user_id == user_id:
                return None
            if session.user_id is not None:  # same transport, another user: move the count
                self._count(session.address, session.user_id, -1)
            refusal = self._cap_refusal(session.address, user_id)
            if refusal is not None:
                if session.user_id is not None:
                    self._count(session.address, session.user_id, +1)
                return refusal
            if session.user_id is None:
                self._unpend(session.address)
            session.user_id = user_id
            self._count(session.address, user_id, +1)
            return None

    def unauthenticate(self, eio_sid: str | None) -> bool:
        """The Socket.IO connection ended but the transport may stay: the session is pending
        again and has ``window`` seconds to authenticate anew. Returns whether the caller must
        start the sweeper."""
        with self._lock:
            session = self._sessions.get(eio_sid) if eio_sid else None
            if session is None or session.user_id is None:
                return False
            self._count(session.address, session.user_id, -1)
            session.user_id, session.since = None, self._clock()
            self._pending[session.address] += 1
            start = not self._sweeping
            self._sweeping = True
            return start

    def release(self, eio_sid: str) -> None:
        """The Engine.IO session is gone (idempotent)."""
        with self._lock:
            session = self._sessions.pop(eio_sid, None)
            if session is None:
                return
            if session.user_id is None:
                self._unpend(session.address)
            else:
                self._count(session.address, session.user_id, -1)

    def sweep(self) -> tuple[list[str], bool]:
        """``(expired, stop)``: the pending sessions older than the window (the caller closes
        them and calls :meth:`release`), and whether the sweeper may stop because nothing is
        pending any more. Stopping is decided under the lock, so an :meth:`admit` racing with
        it either is seen here or starts a new sweeper."""
        with self._lock:
            deadline = self._clock() - self.limits.window
            expired = [sid for sid, s in self._sessions.items() if s.user_id is None and s.since <= deadline]
            still_pending = sum(self._pending.values()) - len(expired)
            if still_pending <= 0:
                self._sweeping = False
            return expired, not self._sweeping

    # --- reading ------------------------------------------------------------------------------
    def user_of(self, eio_sid: str) -> int | None:
        with self._lock:
            session = self._sessions.get(eio_sid)
            return session.user_id if session else None

    def counts(self) -> dict:
        """A snapshot for tests and diagnostics."""
        with self._lock:
            return {"sessions": len(self._sessions), "pending": dict(+self._pending),
                    "by_user": dict(+self._by_user), "by_address": dict(+self._by_address)}

    # --- internals (lock held) ----------------------------------------------------------------
    def _cap_refusal(self, address: str, user_id: int) -> str | None:
        if self._by_user[user_id] >= self.limits.max_per_user:
            return TOO_MANY_FOR_USER
        if self._by_address[address] >= self.limits.max_per_address:
            return TOO_MANY_FOR_ADDRESS
        return None

    def _count(self, address: str, user_id: int, delta: int) -> None:
        for counter, key in ((self._by_user, user_id), (self._by_address, address)):
            counter[key] += delta
            if counter[key] <= 0:
                del counter[key]  # a long-lived process sees many users: keep only live ones

    def _unpend(self, address: str) -> None:
        self._pending[address] -= 1
        if self._pending[address] <= 0:
            del self._pending[address]
