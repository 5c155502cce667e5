"""The content version: one number that changes after every commit that changed what pages show.

Cached fragments are keyed by it, so a write makes every older fragment unreachable at once and a
fragment is never served after the content it shows has changed. The bump happens *after* the
commit and before the writer's response is sent: a request that starts after the write's response
reads the new version, so "a write is visible on the very next request" holds for every viewer.
(A fragment rendered from old data while the write was committing is stored under the old version,
which nobody asks for any more.)

Where the number lives, so that every process of a deployment sees the same one:

* ``REDIS_URL`` set: a Redis key (``INCR`` / ``GET``);
* PostgreSQL without Redis: a sequence (``nextval`` / ``last_value``: no row lock, no transaction
  contention between writers);
* SQLite without Redis (the default, one host): the modification time of a file beside the
  database, set to a strictly increasing nanosecond count (``os.utime``/``os.stat``, microseconds);
* an in-memory SQLite database (tests): this process's counter.

A version that cannot be read (Redis down) is None: callers then bypass the cache.
"""
from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)


class CounterVersion:
    """This process only (an in-memory database cannot be shared anyway)."""

    def __init__(self):
        self._n = itertools.count(1)
        self._value = 0
        self._lock = threading.Lock()

    def read(self) -> int | None:
        return self._value

    def bump(self) -> None:
        with self._lock:
            self._value = next(self._n)


class FileVersion:
    """The nanosecond mtime of a file beside the SQLite database (every process on the host sees it)."""

    def __init__(self, path: Path):
        self.path = path  # created on first use: the factory does no I/O

    def read(self) -> int | None:
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            try:
                self.path.touch()
                return os.stat(self.path).st_mtime_ns
            except OSError:
                return None
        except OSError:
            return None

    def bump(self) -> None:
        try:
            # Strictly increasing even if the clock stood still or stepped back.
            value = max(time.time_ns(), (self.read() or 0) + 1)
            os.utime(self.path, ns=(value, value))
        except OSError:
            log.exception("content version not bumped: the cache is bypassed until it can be")
            raise


class RedisVersion:
    KEY = "qaforum:content-version"

    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)

    def read(self) -> int | None:
        try:
            value = self._redis.get(self.KEY)
        except Exception:  # noqa: BLE001 (Redis down: no version, no cache)
            return None
        return int(value) if value is not None else 0

    def bump(self) -> None:
        self._redis.incr(self.KEY)


class SequenceVersion:
    """A PostgreSQL sequence (migration 0012): ``nextval`` is not transactional and takes no row
    lock, so concurrent writers never wait on each other for it.

    Read on a connection of its own per process, taken out of the engine's pool once (so it has the
    engine's connect arguments and events) and kept in autocommit: one round trip per request and no
    transaction on a cache hit. Through a pooled SQLAlchemy connection the same read cost 2.4 times
    as much (check-out, result machinery, reset on return), most of a cached page's time on
    PostgreSQL. It never waits for a pool connection, so a request that already holds one cannot
    deadlock a full pool, and it does not join the request's transaction: in READ COMMITTED every
    later statement of the request sees data at least as new as the version read before it.
    Calls are serialized by a lock (gevent workers share the connection between greenlets); a
    connection that failed (server restart, idle timeout) is replaced once before giving up."""

    # Until the first nextval, last_value is already the value nextval will return (is_called is
    # false): count that state as one less, or the first write on a new database would not show.
    _QUERY = "SELECT last_value - (NOT is_called)::int FROM content_version"

    def __init__(self, engine):
        self.engine = engine
        self._lock = threading.Lock()
        # Per process id: a forked worker must never use (or close) its parent's socket.
        self._connections: dict[int, object] = {}
        from sqlalchemy import event
        # engine.dispose() closes the pool's connections; this one too (a test database is dropped
        # after it, which an open connection would block).
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def _connection(self):
        conn = self._connections.get(os.getpid())
        if conn is None or conn.closed:
            pooled = self.engine.raw_connection()
            conn = pooled.driver_connection
            pooled.detach()  # ours for good: never reset, never handed to a request
            conn.autocommit = True
            self._connections[os.getpid()] = conn
        return conn

    def _run(self, sql: str) -> int:
        with self._lock:
            try:
                return self._execute(sql)
            except Exception:  # noqa: BLE001 (a lost connection: server restart, idle timeout)
                self._drop()
            try:
                return self._execute(sql)  # on a new connection
            except Exception:
                self._drop()
                raise

    def _execute(self, sql: str) -> int:
        cursor = self._connection().cursor()
        try:
            cursor.execute(sql)
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        conn = self._connections.pop(os.getpid(), None)
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 (already broken)
                pass

    def read(self) -> int | None:
        try:
            return self._run(self._QUERY)
        except Exception:  # noqa: BLE001 (no version, no cache)
            log.warning("content version unreadable", exc_info=True)
            return None

    def bump(self) -> None:
        self._run("SELECT nextval('content_version')")


def version_store(config: dict, engine):
    """The version store this deployment shares (see the module docstring)."""
    if config.get("REDIS_URL"):
        return RedisVersion(config["REDIS_URL"])
    if engine.dialect.name == "postgresql":
        return SequenceVersion(engine)
    database = sqlite_file(engine)
    if database is not None:
        return FileVersion(database.with_name(database.name + ".content-version"))
    return CounterVersion()


def sqlite_file(engine) -> Path | None:
    """The SQLite database file, or None (another database, in memory, or a URI)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)
