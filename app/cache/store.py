"""Where cached fragments live: this process's memory by default, Redis when configured (shared
by every worker and host). Values are text (rendered HTML); every entry also has a time to live,
a safety net under the content version, which is what keeps them fresh."""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

log = logging.getLogger(__name__)


class MemoryStore:
    """A least-recently-used dict bounded by the total size of its values (characters)."""

    def __init__(self, max_chars: int = 64 * 1024 * 1024):
        self.max_chars = max_chars
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            expires, value = found
            if expires < time.monotonic():
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return value

    def set(self, key: str, value: str, ttl: float) -> None:
        if len(value) > self.max_chars // 8:
            return  # one huge fragment must not flush everything else
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (time.monotonic() + ttl, value)
            self._size += len(value)
            while self._size > self.max_chars and self._items:
                self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        _expires, value = self._items.pop(key)
        self._size -= len(value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


class RedisStore:
    """Fragments in Redis. A failing Redis answers misses (the page is rendered), never errors."""

    def __init__(self, url: str, prefix: str = "qaforum:frag:"):
        import redis

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.prefix = prefix
        self._down_until = 0.0

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, err: Exception) -> None:
        log.warning("fragment cache unavailable for 5 s: %s", err)
        self._down_until = time.monotonic() + 5

    def get(self, key: str) -> str | None:
        if not self._available():
            return None
        try:
            value = self._redis.get(self.prefix + key)
        except Exception as err:  # noqa: BLE001 (any Redis failure is a miss)
            self._failed(err)
            return None
        return value.decode("utf-8") if value is not None else None

    def set(self, key: str, value: str, ttl: float) -> None:
        if not self._available():
            return
        try:
            self._redis.set(self.prefix + key, value.encode("utf-8"), ex=max(1, int(ttl)))
        except Exception as err:  # noqa: BLE001
            self._failed(err)

    def clear(self) -> None:
        for key in self._redis.scan_iter(self.prefix + "*"):
            self._redis.delete(key)
