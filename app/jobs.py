"""Background work that must not run inside the request's transaction (DESIGN.md: background work).

A job is ``fn(session, *args)``: it runs as one unit of work (``app.db.run_in_transaction``)
on a session of its own, with write intent, committed when it returns, rolled back and
retried on a transient database failure. Jobs are queued from ``after_commit`` callbacks, so
they only ever see committed data. ``JOBS_MODE``:

* ``thread`` (default): a small in-process pool runs them, so the request that asked a question
  does not wait for routing;
* ``inline``: run at once in the caller's thread (tests, replay and commands, which need the
  result before going on).

A failed job is logged and lost; every job here has a repair command (``flask experts
route-pending``, ``flask search reindex``).
"""
from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # Two workers: jobs are CPU-light but wait on the database; more would only
            # contend for SQLite's single writer.
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jobs")
            atexit.register(_pool.shutdown, wait=True)
    return _pool


def run_job(app: Flask, fn: Callable, *args) -> None:
    """Run one job in its own app context and unit of work; failures are logged, not raised."""
    from app.db import run_in_transaction
    from app.extensions import db

    with app.app_context():
        with Session(db.engine, expire_on_commit=False) as session:
            try:
                run_in_transaction(lambda: fn(session, *args), session=session, write=True)
            except Exception:
                log.exception("job %s%r failed", getattr(fn, "__name__", fn), args)


def enqueue(fn: Callable, *args, delay: float = 0, local: bool = False) -> None:
    """Run ``fn(session, *args)`` in the background (or now, in ``inline`` mode).

    ``delay``: seconds to wait first (inline mode ignores it). ``local``: the job needs this
    process's memory (a buffer it flushes), so it must never go to another process's queue.
    """
    app = current_app._get_current_object()
    if app.config.get("JOBS_MODE", "thread") == "inline":
        run_job(app, fn, *args)
    elif delay > 0:
        timer = threading.Timer(delay, lambda: _executor().submit(run_job, app, fn, *args))
        timer.daemon = True
        timer.start()
    else:
        _executor().submit(run_job, app, fn, *args)
