"""Background work that must not run inside the request's transaction (DESIGN.md: background work).

A job is ``fn(session, *args)``: it gets its own session and transaction, committed when it
returns and rolled back if it raises. Jobs are queued from ``after_commit`` callbacks, so they
only ever see committed data. ``JOBS_MODE``:

* ``thread`` (default): a small in-process pool runs them, so the request that asked a question
  does not wait for routing;
* ``inline``: run at once in the caller's thread (tests, replay and commands, which need the
  result before going on).

A failed job is logged and lost; every job here has a repair command (``flask experts
route-pending``), and a durable Redis queue can replace the pool behind this same function.
"""
from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy.orm import Session

from app.db import intend_write

log = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        # Two workers: routing is CPU-light but waits on the database; more would only
        # contend for SQLite's single writer.
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jobs")
        atexit.register(_pool.shutdown, wait=True)
    return _pool


def run_job(app: Flask, fn: Callable, *args) -> None:
    """Run one job in its own app context, session and transaction."""
    from app.extensions import db

    with app.app_context(), intend_write():
        with Session(db.engine, expire_on_commit=False) as session:
            try:
                fn(session, *args)
                session.commit()
            except Exception:
                session.rollback()
                log.exception("job %s%r failed", getattr(fn, "__name__", fn), args)


def enqueue(fn: Callable, *args) -> None:
    """Run ``fn(session, *args)`` in the background (or now, in ``inline`` mode)."""
    app = current_app._get_current_object()
    if app.config.get("JOBS_MODE", "thread") == "inline":
        run_job(app, fn, *args)
    else:
        _executor().submit(run_job, app, fn, *args)
