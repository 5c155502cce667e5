"""The page and fragment cache of the embedded default, shared by every process on the host and
kept across restarts: a SQLite file (DESIGN.md: fast pages).

With only this process's memory, every worker rendered every page once for itself, and a
restarted worker (a deploy, gunicorn's max-requests, a crash) began with nothing: its first
visitors each paid a full render (a question page 17 ms, a user page 21 ms on the beer dump,
against about 2 ms from the cache). Redis solves both when it is configured; without it, this
file does. Entries are keyed by the content version like everything else in ``app.cache``, and
that version lives outside the process too (a file's mtime or a PostgreSQL sequence), so what a
process finds here after a restart is exactly what it would have found in Redis: current, or
unreachable.

The file may outlive the database it was filled from (a database dropped and created again, a
SQLite file deleted while its version file stayed), and a new database's versions may repeat
the old one's. So every key is prefixed with the database's identity, read once per process:
on SQLite a random ``application_id`` the first process writes into the file's header, on
PostgreSQL the database's oid and the server's start time (a restart only costs misses).

A cache may lose what it holds, never answer an error or wait: every SQLite failure (a busy
file, a full disk, a damaged file) is a miss, and the file is left alone for a few seconds.
Nothing waits for a lock (busy timeout 0): a write that would have to wait is skipped, and in
WAL mode readers never wait for writers. Entries expire by wall clock (processes share them);
the file is trimmed to ``max_bytes`` by dropping the entries that expire soonest.
"""
from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.cache.store import MemoryStore
from app.db.sqlite import use_wal

log = logging.getLogger(__name__)
_TRIM_EVERY = 200  # stores between two looks at the file's size


class DiskStore:
    """Entries in a SQLite file: ``get``/``set`` like the other stores, plus :meth:`lookup`."""

    def __init__(self, path: Path, identity: Callable[[], str], max_bytes: int = 256 * 1024 * 1024):
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._identity = identity
        self._prefixes: dict[int, str | None] = {}  # by pid, like the connections
        self._lock = threading.Lock()
        self._connections: dict[int, sqlite3.Connection] = {}  # by pid: never used across a fork
        self._down_until = 0.0
        self._stores = 0

    # --- the connection ---------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        conn = self._connections.get(os.getpid())
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
            use_wal(conn.execute, wait_s=2)
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per write, never damaged
            conn.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, expires REAL NOT NULL, "
                         "value TEXT NOT NULL)")
            conn.execute("CREATE INDEX IF NOT EXISTS entries_expires ON entries (expires)")
            self._connections[os.getpid()] = conn
        return conn

    def _prefix(self) -> str | None:
        pid = os.getpid()
        if pid not in self._prefixes:
            try:
                self._prefixes[pid] = f"{self._identity()}:"
            except Exception:  # noqa: BLE001 (no identity, no shared cache: memory only)
                log.warning("page cache file %s not used: the database's identity is unreadable", self.path,
                            exc_info=True)
                self._prefixes[pid] = None
        return self._prefixes[pid]

    def _run(self, work):
        """``work(connection, prefix)`` under the lock; None (and the file left alone for 5 s) if
        SQLite failed, or if the database has no identity."""
        if time.monotonic() < self._down_until:
            return None
        prefix = self._prefix()
        if prefix is None:
            return None
        with self._lock:
            try:
                return work(self._connection(), prefix)
            except (sqlite3.Error, OSError) as err:  # OSError: no directory can be made for it
                if "locked" not in str(err) and "busy" not in str(err):
                    log.warning("page cache file %s unavailable for 5 s: %s", self.path, err)
                    self._down_until = time.monotonic() + 5
                    self._close()
                return None

    def _close(self) -> None:
        conn = self._connections.pop(os.getpid(), None)
        if conn is not None:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def close(self) -> None:
        with self._lock:
            self._close()

    # --- the store --------------------------------------------------------------------------
    def lookup(self, key: str) -> tuple[str, float] | None:
        """The value and the seconds it has left, or None."""
        now = time.time()
        row = self._run(lambda c, prefix: c.execute(
            "SELECT value, expires FROM entries WHERE key = ? AND expires > ?", (prefix + key, now)).fetchone())
        return (row[0], row[1] - now) if row else None

    def get(self, key: str) -> str | None:
        found = self.lookup(key)
        return found[0] if found else None

    def set(self, key: str, value: str, ttl: float) -> None:
        def store(conn: sqlite3.Connection, prefix: str) -> None:
            conn.execute("INSERT OR REPLACE INTO entries (key, expires, value) VALUES (?, ?, ?)",
                         (prefix + key, time.time() + ttl, value))
            self._stores += 1
            if self._stores % _TRIM_EVERY == 0:
                self._trim(conn)
        self._run(store)

    def _trim(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM entries WHERE expires <= ?", (time.time(),))
        pages, free, size = (conn.execute(f"PRAGMA {name}").fetchone()[0]
                             for name in ("page_count", "freelist_count", "page_size"))
        if (pages - free) * size > self.max_bytes:
            # Keep the half that expires last: freed pages are reused, so the file stops growing.
            count = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
            conn.execute("DELETE FROM entries WHERE key IN (SELECT key FROM entries ORDER BY expires LIMIT ?)",
                         (count // 2 + 1,))

    def clear(self) -> None:
        self._run(lambda c, _prefix: c.execute("DELETE FROM entries"))


def database_identity(engine) -> str:
    """What tells this database apart from any other that had the same name or file (see the
    module docstring)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            oid, started = conn.exec_driver_sql(
                "SELECT oid, extract(epoch FROM pg_postmaster_start_time()) FROM pg_database "
                "WHERE datname = current_database()").one()
        return f"pg{oid}.{started}"
    conn = sqlite3.connect(engine.url.database, timeout=5, isolation_level=None)
    try:
        found = conn.execute("PRAGMA application_id").fetchone()[0]
        if not found:
            conn.execute("BEGIN IMMEDIATE")  # two workers starting together agree on one
            found = conn.execute("PRAGMA application_id").fetchone()[0]
            if not found:
                found = secrets.randbelow(2**31 - 1) + 1
                conn.execute(f"PRAGMA application_id = {int(found)}")
            conn.execute("COMMIT")
        return f"sqlite{found}"
    finally:
        conn.close()


class TieredStore:
    """This process's memory in front of the shared file: a hit in memory costs what it always did,
    a miss there looks in the file before the page is rendered, and what the file had is kept in
    memory for the rest of its time."""

    def __init__(self, near: MemoryStore, far: DiskStore):
        self.near, self.far = near, far

    def get(self, key: str) -> str | None:
        value = self.near.get(key)
        if value is not None:
            return value
        found = self.far.lookup(key)
        if found is None:
            return None
        value, left = found
        self.near.set(key, value, left)
        return value

    def set(self, key: str, value: str, ttl: float) -> None:
        self.near.set(key, value, ttl)
        self.far.set(key, value, ttl)

    def clear(self) -> None:
        self.near.clear()
        self.far.clear()
