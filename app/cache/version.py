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

    def read(self, session=None) -> int | None:
        return self._value

    def bump(self) -> None:
        with self._lock:
            self._value = next(self._n)


class FileVersion:
    """The nanosecond mtime of a file beside the SQLite database (every process on the host sees it)."""

    def __init__(self, path: Path):
        self.path = path  # created on first use: the factory does no I/O

    def read(self, session=None) -> int | None:
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

    def read(self, session=None) -> int | None:
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

    Read on a pooled connection in autocommit mode (psycopg switches it on the client): one round
    trip, and a page answered from the cache opens no transaction (through the request's session
    the read took four: SAVEPOINT, SELECT, RELEASE, and the ROLLBACK at the end of the request).
    It is read before the view's first query, so a page's data is never older than the version
    it is stored under."""

    def __init__(self, engine):
        self.engine = engine

    def read(self, session=None) -> int | None:
        from sqlalchemy import text
        query = text("SELECT last_value FROM content_version")
        if session is not None and hasattr(session, "registry"):
            session = session()  # the request's Session behind Flask-SQLAlchemy's scoped_session
        try:
            if session is not None and session.in_transaction():
                # Already holding a connection: never wait for a second one (a full pool of
                # requests each waiting for another connection would never move again).
                with session.begin_nested():  # a failure must not abort the request's transaction
                    return session.scalar(query)
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                return conn.scalar(query)
        except Exception:  # noqa: BLE001 (no version, no cache)
            log.warning("content version unreadable", exc_info=True)
            return None

    def bump(self) -> None:
        from sqlalchemy import text
        with self.engine.connect() as conn:
            conn.execute(text("SELECT nextval('content_version')"))
            conn.commit()


def version_store(config: dict, engine):
    """The version store this deployment shares (see the module docstring)."""
    if config.get("REDIS_URL"):
        return RedisVersion(config["REDIS_URL"])
    if engine.dialect.name == "postgresql":
        return SequenceVersion(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:") and not database.startswith("file:"):
        return FileVersion(Path(database).with_name(Path(database).name + ".content-version"))
    return CounterVersion()
