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
holder included, for the whole busy timeout. Other processes still meet at SQLite's own lock,
with ``busy_timeout``.
"""
from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_S = 30
_gates: dict[str, threading.Lock] = {}
_gates_lock = threading.Lock()


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

    def acquire_gate(self) -> None:
        if self.gate is None or self.holds_gate:
            return
        if not self.gate.acquire(timeout=BUSY_TIMEOUT_S):
            raise sqlite3.OperationalError("database is locked (write gate timeout)")
        self.holds_gate = True

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
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        if _file_path(engine.url) is not None:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        write = wants_write()
        dbapi_conn = conn.connection.dbapi_connection
        gated = write and isinstance(dbapi_conn, GatedConnection)
        if gated:
            dbapi_conn.acquire_gate()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        except BaseException:
            if gated:
                dbapi_conn._release()
            raise
