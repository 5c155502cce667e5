"""Which Socket.IO connections a credential opened, so that ending the credential ends them.

A connection is registered under one key per credential it used: ``token:<ApiToken.id>`` for
``auth={"token": ...}``, ``session:<User.id>`` for a browser session cookie. Revoking a token or
ending a user's sessions *takes* the key (reads and forgets its sids at once) and disconnects
each sid through the Socket.IO server, whose message queue reaches the process that holds it.

Without ``REDIS_URL`` there is one process and the registry is a dict. With it, every process
must see every other's connections, so the sets live in Redis; each process also remembers its
own sids' keys, to remove them when they disconnect. A process that dies without disconnecting
leaves its sids in Redis: taking such a key later disconnects nothing (no process owns them) and
deletes them, so stale entries cost a few bytes until their credential ends, never a wrong
disconnect (sids are random and never reused).
"""
from __future__ import annotations

import threading
from collections.abc import Iterable


def token_key(token_id: int) -> str:
    return f"token:{token_id}"


def session_key(user_id: int) -> str:
    return f"session:{user_id}"


class MemoryRegistry:
    """The registry of a single process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sids: dict[str, set[str]] = {}   # key -> sids
        self._keys: dict[str, tuple[str, ...]] = {}  # sid -> keys

    def add(self, sid: str, keys: Iterable[str]) -> None:
        keys = tuple(keys)
        with self._lock:
            self._keys[sid] = keys
            for key in keys:
                self._sids.setdefault(key, set()).add(sid)

    def remove(self, sid: str) -> None:
        with self._lock:
            for key in self._keys.pop(sid, ()):
                sids = self._sids.get(key)
                if sids is not None:
                    sids.discard(sid)
                    if not sids:
                        del self._sids[key]

    def take(self, key: str) -> list[str]:
        """The sids under ``key``, which is forgotten."""
        with self._lock:
            return sorted(self._sids.pop(key, ()))


class RedisRegistry:
    """The registry shared by every process through Redis (one set per key)."""

    PREFIX = "qaforum:realtime:"

    def __init__(self, url: str, prefix: str = PREFIX):
        import redis

        # Short timeouts: a connect handler or an after-commit callback must not hang on a
        # dead Redis (the callers log the error; see app.realtime.events and .credentials).
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._prefix = prefix
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[str, ...]] = {}  # this process's sids -> keys

    def add(self, sid: str, keys: Iterable[str]) -> None:
        keys = tuple(keys)
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.sadd(self._prefix + key, sid)
        pipe.execute()
        with self._lock:
            self._keys[sid] = keys

    def remove(self, sid: str) -> None:
        with self._lock:
            keys = self._keys.pop(sid, ())
        if keys:
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.srem(self._prefix + key, sid)
            pipe.execute()

    def take(self, key: str) -> list[str]:
        # MULTI/EXEC: a sid added between the read and the delete would otherwise be forgotten
        # without being disconnected.
        pipe = self._redis.pipeline(transaction=True)
        pipe.smembers(self._prefix + key)
        pipe.delete(self._prefix + key)
        members, _ = pipe.execute()
        return sorted(m.decode() if isinstance(m, bytes) else m for m in members)
