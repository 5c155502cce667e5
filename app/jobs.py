"""Background work that must not run inside the request's transaction (DESIGN.md: background work).

A job is ``fn(session, *args)``: it runs as one unit of work (``app.db.run_in_transaction``)
on a session of its own, with write intent, committed when it returns, rolled back and
retried on a transient database failure. Jobs are queued from ``after_commit`` callbacks, so
they only ever see committed data. ``JOBS_MODE``:

* ``thread`` (default without Redis): a small in-process pool runs them, and each web process
  runs the periodic jobs on a scheduler thread started by its first request;
* ``inline``: run at once in the caller's thread (tests, replay and commands, which need the
  result before going on);
* ``redis`` (default with ``REDIS_URL``): jobs go to a durable RQ queue in Redis and a separate
  process runs them, ``flask jobs worker``, which also fires the periodic jobs. Queued jobs
  survive a web process restart; a failed job is retried twice and then kept in RQ's failed
  registry. Why RQ rather than Celery: docs/live.md.

``local=True`` jobs need this process's memory (a buffer they flush) and always run on the
in-process pool. A job whose function cannot be named by its import path (a lambda) cannot go
to another process either, and runs here too. Every job must be idempotent: a retried or
twice-fired job must not do its work twice.
"""
from __future__ import annotations

import atexit
import importlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import click
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
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


def run_job(app: Flask, fn: Callable, *args, raise_errors: bool = False) -> None:
    """Run one job in its own app context and unit of work; failures are logged (and raised
    with ``raise_errors``, so the durable queue records them and retries)."""
    from app.db import run_in_transaction
    from app.extensions import db

    with app.app_context():
        with Session(db.engine, expire_on_commit=False) as session:
            try:
                run_in_transaction(lambda: fn(session, *args), session=session, write=True)
            except Exception:
                log.exception("job %s%r failed", getattr(fn, "__name__", fn), args)
                if raise_errors:
                    raise


def _mode(app: Flask) -> str:
    return app.config.get("JOBS_MODE", "thread")


def job_path(fn: Callable) -> str | None:
    """``module:qualname`` when another process can import ``fn`` by that name, else None."""
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or not name or "<" in name:
        return None
    return f"{module}:{name}"


def _resolve(path: str) -> Callable:
    module, _sep, name = path.partition(":")
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def enqueue(fn: Callable, *args, delay: float = 0, local: bool = False) -> None:
    """Run ``fn(session, *args)`` in the background (or now, in ``inline`` mode).

    ``delay``: seconds to wait first (inline mode ignores it). ``local``: the job needs this
    process's memory (a buffer it flushes), so it must never go to another process's queue.
    """
    app = current_app._get_current_object()
    mode = _mode(app)
    if mode == "inline":
        run_job(app, fn, *args)
        return
    path = job_path(fn)
    if mode == "redis" and not local and path is not None:
        try:
            _enqueue_durable(app, path, args, delay)
            return
        except Exception:  # Redis down: run it here rather than lose it (it is after commit)
            log.exception("could not queue job %s on Redis; running it in this process", path)
    if delay > 0:
        timer = threading.Timer(delay, lambda: _executor().submit(run_job, app, fn, *args))
        timer.daemon = True
        timer.start()
    else:
        _executor().submit(run_job, app, fn, *args)


# --- the durable queue (RQ on Redis) -------------------------------------------------------

_queues: dict[str, object] = {}


def queue_for(app: Flask):
    """The app's RQ queue (one connection per process and URL)."""
    from redis import Redis
    from rq import Queue

    url = app.config["REDIS_URL"]
    key = f"{url}#{app.config.get('JOBS_QUEUE', 'qaforum')}"
    if key not in _queues:
        connection = Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        _queues[key] = Queue(app.config.get("JOBS_QUEUE", "qaforum"), connection=connection)
    return _queues[key]


def _enqueue_durable(app: Flask, path: str, args: tuple, delay: float):
    from rq import Retry

    queue = queue_for(app)
    options = {"retry": Retry(max=2, interval=[10, 60]), "failure_ttl": 7 * 24 * 3600, "result_ttl": 600,
               "job_timeout": 600, "description": path}
    if delay > 0:
        return queue.enqueue_in(timedelta(seconds=delay), run_queued, path, *args, **options)
    return queue.enqueue(run_queued, path, *args, **options)


_worker_app: Flask | None = None


def run_queued(path: str, *args) -> None:
    """What the worker runs for each queued job: the job function by its import path, in the
    worker's app, raising on failure so RQ retries it and keeps it if it keeps failing."""
    app = _worker_app or (current_app._get_current_object() if has_app_context() else None)
    if app is None:
        from app import create_app
        app = create_app()
    run_job(app, _resolve(path), *args, raise_errors=True)


# --- periodic jobs ------------------------------------------------------------------------
# Daily and frequent sweeps (review dates, fraud scans, escalation, digests) register here from
# their domain's connect(). In the embedded default, each web process runs them on an
# in-process scheduler started by its first request; with the durable queue, the worker
# process enqueues them. Every periodic job must therefore be idempotent on its own (two
# processes, or two schedulers, may fire it at the same moment).

@dataclass(frozen=True)
class Periodic:
    name: str
    every: float          # seconds between runs (default)
    fn: Callable          # a job: fn(session)
    setting: str | None = None  # a config key that overrides ``every``

    def interval(self, app: Flask) -> float:
        return float(app.config.get(self.setting) or self.every) if self.setting else self.every


_periodic: dict[str, Periodic] = {}
_scheduler_started = False


def register_periodic(name: str, every: float, fn: Callable, setting: str | None = None) -> None:
    """Run ``fn(session)`` every ``every`` seconds, or every ``app.config[setting]`` seconds when
    that is set (idempotent by name)."""
    _periodic[name] = Periodic(name, every, fn, setting)


def periodic_jobs() -> list[Periodic]:
    return sorted(_periodic.values(), key=lambda p: p.name)


def start_scheduler(app: Flask) -> bool:
    """Start this process's scheduler thread once (``SCHEDULER_ENABLED`` and thread mode only);
    True when it was started by this call."""
    global _scheduler_started
    if _scheduler_started:  # every request asks: answer without the lock
        return False
    with _pool_lock:
        if _scheduler_started or not app.config.get("SCHEDULER_ENABLED", True) or _mode(app) != "thread":
            return False
        _scheduler_started = True
    thread = threading.Thread(target=_schedule_forever, args=(app,), name="jobs-scheduler", daemon=True)
    thread.start()
    return True


def _schedule_forever(app: Flask, tick: float = 5.0) -> None:
    # First runs are spread over the first interval, so a restart does not fire every sweep at once.
    next_run = {p.name: time.monotonic() + min(p.interval(app), 60.0) for p in periodic_jobs()}
    while True:
        now = time.monotonic()
        for job in periodic_jobs():
            due = next_run.setdefault(job.name, now + job.interval(app))
            if now >= due:
                next_run[job.name] = now + job.interval(app)
                _executor().submit(run_job, app, job.fn)
        time.sleep(tick)


PERIODIC_KEY = "qaforum:jobs:periodic:"


def fire_due_periodic(app: Flask, connection) -> list[str]:
    """Enqueue each periodic job whose interval has passed, at most once per interval across
    every worker sharing this Redis: a key set with NX and the interval as its expiry is the
    ticket. Returns the names enqueued."""
    fired = []
    for job in periodic_jobs():
        path = job_path(job.fn)
        if path is None:
            continue
        if connection.set(PERIODIC_KEY + job.name, str(time.time()), nx=True, px=int(job.interval(app) * 1000)):
            _enqueue_durable(app, path, (), 0)
            fired.append(job.name)
    return fired


def _periodic_loop(app: Flask, connection, stop: threading.Event, tick: float = 2.0) -> None:
    while not stop.is_set():
        try:
            fired = fire_due_periodic(app, connection)
            if fired:
                log.info("periodic jobs queued: %s", ", ".join(fired))
        except Exception:  # Redis hiccup: try again at the next tick
            log.exception("could not queue the periodic jobs")
        stop.wait(tick)


def make_worker(app: Flask, queue):
    """The RQ worker for ``queue``, on a Redis connection of its own.

    SimpleWorker runs each job in this process (no fork per job): the app, its connection pool
    and the experts' in-memory index stay warm between jobs. An idle worker waits for the next
    job in one blocking pop of up to its dequeue timeout (its TTL less 15 s); on the queue's
    connection (socket timeout 10 s, right for the web processes' quick calls) that wait timed
    out after 10 s, RQ took it for a lost Redis and quit, and an idle worker (and with it
    deploy/serve.py) stopped. The worker's connection outwaits the pop; a dead Redis still
    shows within the health-check interval."""
    from redis import Redis
    from rq import SimpleWorker
    from rq.defaults import DEFAULT_WORKER_TTL

    connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5,
                                socket_timeout=DEFAULT_WORKER_TTL + 30, health_check_interval=30)
    return SimpleWorker([queue], connection=connection, worker_ttl=DEFAULT_WORKER_TTL)


# --- commands -------------------------------------------------------------------------------

jobs_cli = AppGroup("jobs", help="Background jobs (the durable Redis queue).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit (no periodic jobs).")
@click.option("--no-periodic", is_flag=True, help="Do not fire the periodic jobs from this worker.")
def worker_command(burst: bool, no_periodic: bool) -> None:
    """Run queued jobs (routing, indexing, escalation, digests) and fire the periodic ones.

    Needs REDIS_URL. Several workers may run; each periodic job still fires once per interval."""
    global _worker_app
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inside the web process "
                                   "(JOBS_MODE=thread) and no worker is needed.")
    _worker_app = app
    queue = queue_for(app)
    stop = threading.Event()
    if not burst and not no_periodic:
        threading.Thread(target=_periodic_loop, args=(app, queue.connection, stop), name="jobs-periodic",
                         daemon=True).start()
    click.echo(f"jobs worker on {queue.name!r} at {app.config['REDIS_URL']} "
               f"({'burst' if burst else 'periodic: ' + ', '.join(p.name for p in periodic_jobs())})")
    worker = make_worker(app, queue)
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    finally:
        stop.set()


@jobs_cli.command("run")
@click.argument("name")
def run_command(name: str) -> None:
    """Run one periodic job now, in this process (e.g. experts.escalation, notifications.digests)."""
    found = _periodic.get(name)
    if found is None:
        raise click.ClickException(f"no periodic job {name!r}; known: {', '.join(sorted(_periodic))}")
    run_job(current_app._get_current_object(), found.fn, raise_errors=True)
    click.echo(f"ran {name}")


@jobs_cli.command("list")
def list_command() -> None:
    """The periodic jobs and their intervals."""
    for job in periodic_jobs():
        click.echo(f"{job.name}\tevery {job.interval(current_app):g}s\t{job_path(job.fn)}")


def init_app(app: Flask) -> None:
    """Add ``flask jobs ...`` (idempotent)."""
    if "jobs" not in app.cli.commands:
        app.cli.add_command(jobs_cli)
