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
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

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


# --- periodic jobs ------------------------------------------------------------------------
# Daily and frequent sweeps (review dates, fraud scans, escalation, digests) register here from
# their domain's connect(). In the embedded default, each web process runs them on an
# in-process scheduler started by its first request; every periodic job must therefore be
# idempotent on its own (two processes, or two schedulers, may fire it at the same moment).

@dataclass(frozen=True)
class Periodic:
    name: str
    every: float          # seconds between runs
    fn: Callable          # a job: fn(session)


_periodic: dict[str, Periodic] = {}
_scheduler_started = False


def register_periodic(name: str, every: float, fn: Callable) -> None:
    """Run ``fn(session)`` every ``every`` seconds (idempotent by name)."""
    _periodic[name] = Periodic(name, every, fn)


def periodic_jobs() -> list[Periodic]:
    return sorted(_periodic.values(), key=lambda p: p.name)


def start_scheduler(app: Flask) -> bool:
    """Start this process's scheduler thread once (``SCHEDULER_ENABLED`` and thread mode only);
    True when it was started by this call."""
    global _scheduler_started
    if _scheduler_started:  # every request asks: answer without the lock
        return False
    with _pool_lock:
        if _scheduler_started or not app.config.get("SCHEDULER_ENABLED", True) \
                or app.config.get("JOBS_MODE", "thread") != "thread":
            return False
        _scheduler_started = True
    thread = threading.Thread(target=_schedule_forever, args=(app,), name="jobs-scheduler", daemon=True)
    thread.start()
    return True


def _schedule_forever(app: Flask, tick: float = 5.0) -> None:
    # First runs are spread over the first interval, so a restart does not fire every sweep at once.
    next_run = {p.name: time.monotonic() + min(p.every, 60.0) for p in periodic_jobs()}
    while True:
        now = time.monotonic()
        for job in periodic_jobs():
            due = next_run.setdefault(job.name, now + job.every)
            if now >= due:
                next_run[job.name] = now + job.every
                _executor().submit(run_job, app, job.fn)
        time.sleep(tick)
