"""Database base class, time helper, and the unit of work: the one place where a transaction
begins, commits or rolls back, and where its side effects are released.

Every boundary goes through it (DESIGN.md, convention 4):

* HTML and API views: :func:`init_app` wraps every view function of the app, so a request's
  writes commit once, after the view returned, and a route never commits by hand;
* CLI commands, socket events and background jobs: :func:`transactional` or
  :func:`unit_of_work`.

It owns four things:

1. **How a transaction begins.** The write intent is known before anything touches the
   database: an explicit :func:`intent` (jobs, commands) or, in a request, the HTTP method
   (GET/HEAD/OPTIONS read, the rest write) unless the view is marked :func:`writes`. On
   SQLite a writing transaction starts with ``BEGIN IMMEDIATE`` behind a process-local write
   gate (``app.db.sqlite``), so a read never upgrades into a write (SQLITE_BUSY_SNAPSHOT, the
   old "database is locked" 500s) and writers in one process queue on a lock instead of
   sleeping in SQLite's busy handler.
2. **Commit and rollback**, once per unit.
3. **The after-commit queue** (:func:`after_commit`): search indexing, Socket.IO emits and
   jobs run only once the transaction committed, never for a rolled-back one.
4. **Bounded retries**: PostgreSQL serialization failures and deadlocks, and unique-key
   races (the retry then meets the row and reports it properly), re-run the unit a few
   times; a database that stays busy is a 503 with Retry-After, never a 500.
"""
from __future__ import annotations

import contextvars
import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import MetaData, event
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session

from app.errors import Conflict, Unavailable

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


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- write intent -------------------------------------------------------------------------

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_intent: contextvars.ContextVar[bool | None] = contextvars.ContextVar("write_intent", default=None)


def wants_write() -> bool:
    """Whether a transaction beginning now intends to write (read by the SQLite BEGIN hook).

    An explicit :func:`intent` wins; in a request, a view marked :func:`writes` or an unsafe
    method writes. The URL was matched before any hook ran, so this is decided before the
    first query of the request, whichever extension's hook makes it (the rate limiter's key
    function loads the token's user, for one).
    """
    explicit = _intent.get()
    if explicit is not None:
        return explicit
    if not has_request_context():
        return False
    if request.method not in SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "unit_of_work_writes", False))


@contextmanager
def intent(write: bool) -> Iterator[None]:
    """Transactions begun inside the block read (``write=False``) or write."""
    token = _intent.set(write)
    try:
        yield
    finally:
        _intent.reset(token)


def writes(view: Callable) -> Callable:
    """Mark a GET view that writes, so its request's transaction begins as a writer."""
    view.unit_of_work_writes = True
    return view


# --- the after-commit queue ---------------------------------------------------------------

_QUEUE_KEY = "after_commit_queue"
_READY_KEY = "after_commit_ready"


def after_commit(session: Session | None, fn: Callable, *args, first: bool = False, **kwargs) -> None:
    """Run ``fn(*args, **kwargs)`` after ``session`` commits; dropped on rollback. ``fn`` may
    read through ``session`` (in a new, reading transaction). ``first``: before the tasks
    queued so far (the page cache's version moves before anyone is told of the change).
    ``session`` None: there is no transaction to wait for (a page answered from the page
    cache), so ``fn`` runs now."""
    if session is None:
        fn(*args, **kwargs)
        return
    queue = session.info.setdefault(_QUEUE_KEY, [])
    if first:
        queue.insert(0, (fn, args, kwargs))
    else:
        queue.append((fn, args, kwargs))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released; the real transaction
    # (and SQLite's write lock) is still open then, so the queue waits for the outer commit.
    if session.in_nested_transaction():
        return
    queue = session.info.pop(_QUEUE_KEY, None)
    if queue:
        session.info[_READY_KEY] = queue


@event.listens_for(Session, "after_transaction_end")
def _run_after_commit(session: Session, transaction) -> None:
    # Run once the committed transaction has ended: inside after_commit the session refuses
    # any SQL, and the tasks may need to read (a notification's subject, say).
    if transaction.nested or transaction.parent is not None:
        return
    queue = session.info.pop(_READY_KEY, None)
    if not queue:
        return
    # Side effects that read (a notification's subject, say) must not begin a writing
    # transaction, which would hold SQLite's write gate until the request ends; jobs run
    # inline begin their own unit with write intent.
    with intent(False):
        for fn, args, kwargs in queue:
            try:
                fn(*args, **kwargs)
            except Exception:  # a failed side effect must not undo a committed unit
                log.exception("after-commit task %r failed", fn)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:  # only a SAVEPOINT: the outer transaction goes on
        return
    session.info.pop(_QUEUE_KEY, None)


# --- running a unit ------------------------------------------------------------------------

# PostgreSQL: serialization_failure, deadlock_detected. Both mean "run it again".
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
# SQLite's "database is locked"/"busy" after busy_timeout, PostgreSQL lock_not_available:
# the database is overloaded, not the request wrong.
BUSY_SQLSTATES = frozenset({"55P03"})
DEFAULT_ATTEMPTS = 3


def _sqlstate(err: BaseException) -> str | None:
    orig = getattr(err, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_retryable(err: BaseException) -> bool:
    """A failure that the same unit, run again from the start, can be expected to pass."""
    return isinstance(err, IntegrityError) or (isinstance(err, DBAPIError) and _sqlstate(err) in RETRY_SQLSTATES)


def is_busy(err: BaseException) -> bool:
    if not isinstance(err, DBAPIError):
        return False
    if _sqlstate(err) in BUSY_SQLSTATES:
        return True
    text = str(getattr(err, "orig", err)).lower()
    return "database is locked" in text or "database is busy" in text


def run_in_transaction(fn: Callable, *, session: Session, write: bool | None = None,
                       attempts: int = DEFAULT_ATTEMPTS, on_retry: Callable[[], None] | None = None):
    """Run ``fn()`` as one unit of work on ``session`` and return its result.

    ``write``: the intent (None: decided by the request, see :func:`wants_write`). Whatever
    ``fn`` leaves open is rolled back when it raises and committed when it returns; the commit
    runs the after-commit queue. A retryable failure (see :func:`is_retryable`) rolls back,
    calls ``on_retry`` (to undo request state such as flashed messages) and runs ``fn`` again,
    at most ``attempts`` times in all. Errors: what ``fn`` raised; ``Unavailable`` (503)
    when the database stayed busy or retries ran out; ``Conflict`` (409) when a unique-key
    race persists.
    """
    token = _intent.set(write) if write is not None else None
    try:
        for attempt in range(1, attempts + 1):
            try:
                result = fn()
                session.commit()
                return result
            except Exception as err:
                session.rollback()
                if is_retryable(err) and attempt < attempts:
                    log.info("unit of work retried (attempt %d): %s", attempt, str(err).splitlines()[0][:200])
                    if on_retry is not None:
                        on_retry()
                    time.sleep(random.uniform(0.005, 0.03) * attempt)
                    continue
                raise _translate(err) from err
    finally:
        if token is not None:
            _intent.reset(token)


def _translate(err: Exception) -> Exception:
    """The error to raise for a failed unit: database contention becomes a clear 4xx/5xx."""
    if isinstance(err, IntegrityError):
        return Conflict(_l("Someone changed this at the same moment. Please try again."))
    if is_busy(err) or (isinstance(err, DBAPIError) and _sqlstate(err) in RETRY_SQLSTATES):
        return Unavailable(_l("The forum is very busy right now. Please try again in a moment."))
    return err


@contextmanager
def unit_of_work(session: Session | None = None, *, write: bool = True) -> Iterator[Session]:
    """One transaction around a block that cannot be re-run (no retries): commit at the end,
    rollback if the block raises. For code that can be re-run, prefer :func:`transactional`."""
    if session is None:
        from app.extensions import db
        session = db.session
    with intent(write):
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def transactional(fn: Callable | None = None, *, write: bool | None = None, attempts: int = DEFAULT_ATTEMPTS):
    """Decorate a boundary (CLI command, socket event handler) to run as one unit of work on
    ``db.session``, with retries. ``write=None`` lets the request decide (views)."""
    def decorate(inner: Callable) -> Callable:
        @functools.wraps(inner)
        def wrapper(*args, **kwargs):
            from app.extensions import db
            return run_in_transaction(lambda: inner(*args, **kwargs), session=db.session, write=write,
                                      attempts=attempts)
        return wrapper
    return decorate(fn) if fn is not None else decorate


# --- requests -----------------------------------------------------------------------------

def init_app(app) -> None:
    """Make every view of ``app`` one unit of work. Call after the blueprints are registered."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static" and not getattr(view, "unit_of_work_wrapped", False):
            app.view_functions[endpoint] = _request_unit(view)
    app.teardown_request(_reset_intent)


def _request_unit(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        from flask import session as cookie_session

        from app.extensions import db

        flashes = list(cookie_session.get("_flashes", []))

        def forget_flashes():  # a retried unit flashes its message again
            if flashes:
                cookie_session["_flashes"] = list(flashes)
            else:
                cookie_session.pop("_flashes", None)

        try:
            return run_in_transaction(lambda: view(*args, **kwargs), session=db.session,
                                      on_retry=forget_flashes)
        except Exception:
            forget_flashes()  # "your vote was recorded" must not survive a failed commit
            raise
        finally:
            # Whatever the rest of the request reads (error pages, after_request hooks) only
            # reads; the teardown hook below restores the intent for the next request.
            g.unit_of_work_done = _intent.set(False)
    wrapper.unit_of_work_wrapped = True
    return wrapper


def _reset_intent(_exc) -> None:
    token = g.pop("unit_of_work_done", None)
    if token is not None:
        _intent.reset(token)
