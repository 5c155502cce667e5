"""Database base class, time helper, unit of work and the after-commit queue.

Side effects that must not happen for a rolled-back transaction (search indexing,
Socket.IO emits, notifications) are queued with :func:`after_commit` and run only
once the surrounding transaction has committed.
"""
from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Replaying history (``flask experts replay``) runs the real services "when things happened":
# it sets this clock, and every default timestamp follows it. Nothing else sets it.
_clock: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("clock", default=None)


def utcnow() -> datetime:
    """Naive UTC now: every ``*_at`` column stores UTC without tzinfo (SQLite keeps none)."""
    fixed = _clock.get()
    if fixed is not None:
        return fixed
    return datetime.now(timezone.utc).replace(tzinfo=None)


@contextmanager
def frozen_clock(at: datetime) -> Iterator[None]:
    """Make :func:`utcnow` return ``at`` (naive UTC) inside the block, in this context only."""
    token = _clock.set(at)
    try:
        yield
    finally:
        _clock.reset(token)


def session_of(obj) -> Session:
    """The session ``obj`` belongs to: signal receivers write through their sender's session,
    so their rows commit or roll back with the action. A detached object falls back to the
    request's session."""
    session = Session.object_session(obj)
    if session is None:
        from app.extensions import db
        session = db.session
    return session


# --- after-commit queue -------------------------------------------------------

_QUEUE_KEY = "after_commit_queue"


def after_commit(session: Session, fn: Callable, *args, **kwargs) -> None:
    """Run ``fn(*args, **kwargs)`` after ``session`` commits; dropped on rollback."""
    session.info.setdefault(_QUEUE_KEY, []).append((fn, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released; the real transaction
    # (and SQLite's write lock) is still open then, so the queue waits for the outer commit.
    if session.in_nested_transaction():
        return
    queue = session.info.pop(_QUEUE_KEY, [])
    for fn, args, kwargs in queue:
        try:
            fn(*args, **kwargs)
        except Exception:  # a failed side effect must not undo a committed request
            log.exception("after-commit task %r failed", fn)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:  # only a SAVEPOINT: the outer transaction goes on
        return
    session.info.pop(_QUEUE_KEY, None)


# --- SQLite write intent ------------------------------------------------------
# SQLite in WAL mode fails a deferred transaction that upgrades from read to write after
# another writer committed (SQLITE_BUSY_SNAPSHOT), which would lose a vote under load.
# Requests and commands that intend to write mark it, and their transaction then starts
# with BEGIN IMMEDIATE, taking the write lock up front (waiting up to busy_timeout).

write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


@contextmanager
def intend_write() -> Iterator[None]:
    token = write_intent.set(True)
    try:
        yield
    finally:
        write_intent.reset(token)


def configure_sqlite(engine: Engine) -> None:
    """Give a SQLite engine WAL, foreign keys, a busy timeout and explicit BEGINs."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let the "begin" hook below issue BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
