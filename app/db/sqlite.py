"""SQLite specifics of the unit of work: pragmas, explicit BEGINs and the write gate.

SQLite allows one writer at a time. A transaction that starts as a reader (plain ``BEGIN``)
and later writes fails at once with SQLITE_BUSY_SNAPSHOT when another connection committed
in between: that was every "database is locked" 500 under load. So a unit that intends to
write starts with ``BEGIN IMMEDIATE`` (see ``app.db.wants_write``), taking the write lock up
front.

Writers of one process first queue on a *write gate*, a lock per database file, held from
``BEGIN IMMEDIATE`` until the COMMIT or ROLLBACK has run. Without it they would all wait in
SQLite's busy handler, which sleeps in growing steps (up to 100 ms) whatever the lock's real
holding time, and under gevent that sleep blocks every greenlet of the worker, the lock's
holder included, for the whole busy timeout.

Writers of *other* processes meet at SQLite's own lock. SQLite's busy handler is only allowed
a short wait per attempt (``BUSY_STEP_MS``); the rest of the wait, up to ``BUSY_TIMEOUT_S``,
is a loop of Python sleeps, which yield to other greenlets under gevent. So a gevent worker
waiting for another process's writer never freezes its own readers and sockets.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_S = 30   # how long a writer waits for the write lock, in all
BUSY_STEP_MS = 20     # SQLite's own (process-blocking) wait per attempt
_gates: dict[str, threading.Lock] = {}
# Tests observe how transactions begin: BEGIN IMMEDIATE is issued on the raw connection (see
# GatedConnection.begin_immediate), which SQLAlchemy's statement events do not see.
_begin_observers: list[Callable[[str], None]] = []
_gates_lock = threading.Lock()


def use_wal(execute: Callable[[str], sqlite3.Cursor], wait_s: float = BUSY_TIMEOUT_S) -> None:
    """Put a file database in WAL mode (it stays so, in the file), through ``execute`` (a
    connection's or a cursor's). Switching needs the file to itself for a moment, and two
    processes opening a new database together (gunicorn's workers at start-up) saw "database is
    locked" at once, without SQLite's busy wait: so the mode is asked first (nothing to switch
    once any connection did) and a locked attempt is tried again until ``wait_s`` passed."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if str(execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _gate_for(path: str) -> threading.Lock:
    with _gates_lock:
        # threading.Lock is gevent's lock once gevent has patched the process (before the app
        # is imported), so waiting here yields to other greenlets.
        return _gates.setdefault(path, threading.Lock())


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its file's write gate for the length of a writing
    transaction (from :meth:`acquire_gate`, just before ``BEGIN IMMEDIATE``, to the end of
    commit, rollback or close)."""

    gate: threading.Lock | None = None
    holds_gate = False

    def begin_immediate(self) -> None:
        """Take the gate, then SQLite's write lock, waiting up to ``BUSY_TIMEOUT_S`` in all."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        if self.gate is not None and not self.holds_gate:
            if not self.gate.acquire(timeout=BUSY_TIMEOUT_S):
                raise sqlite3.OperationalError("database is locked (write gate timeout)")
            self.holds_gate = True
        pause = 0.002
        try:
            while True:
                try:
                    self.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as err:
                    message = str(err).lower()
                    if ("locked" not in message and "busy" not in message) or time.monotonic() > deadline:
                        raise
                time.sleep(pause)  # another process writes: yield, then try again
                pause = min(pause * 2, 0.05)
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self.holds_gate:
            self.holds_gate = False
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()


def _file_path(url) -> str | None:
    database = url.database
    if database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    return database


def engine_options(uri: str, options: dict) -> dict:
    """``options`` plus what a SQLite URI needs before the engine exists: the gated connection
    class for file databases. Other databases get ``options`` unchanged."""
    from sqlalchemy.engine import make_url

    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or _file_path(url) is None:
        return options
    path = _file_path(url)
    factory = type("Gated", (GatedConnection,), {"gate": _gate_for(path)})
    connect_args = {**options.get("connect_args", {}), "factory": factory}
    return {**options, "connect_args": connect_args}


def configure(engine: Engine, wants_write) -> None:
    """Pragmas on every new connection, and BEGINs issued by us with the unit's intent."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let the "begin" hook below issue BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        # File databases wait in GatedConnection.begin_immediate; the rest keep SQLite's wait.
        gated = isinstance(dbapi_conn, GatedConnection)
        cur.execute(f"PRAGMA busy_timeout={BUSY_STEP_MS if gated else BUSY_TIMEOUT_S * 1000}")
        if _file_path(engine.url) is not None:
            use_wal(cur.execute)
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        write = wants_write()
        dbapi_conn = conn.connection.dbapi_connection
        if write and isinstance(dbapi_conn, GatedConnection):
            # On the raw connection: a failed attempt must not go through SQLAlchemy's error
            # handling, which would roll back (and so release the gate) between attempts.
            dbapi_conn.begin_immediate()
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        for observer in _begin_observers:
            observer("BEGIN IMMEDIATE" if write else "BEGIN")


def observe_begins(observer: Callable[[str], None]) -> Callable[[], None]:
    """Call ``observer(statement)`` for every BEGIN from now on; returns the function that stops it."""
    _begin_observers.append(observer)
    return lambda: _begin_observers.remove(observer)
