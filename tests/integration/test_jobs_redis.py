"""The durable job queue (JOBS_MODE=redis): jobs wait in Redis until a worker runs them, even if
the process that queued them is gone; periodic jobs fire once per interval across workers.
Marked ``redis``: the fixture starts a throwaway redis-server (tests/redisserver.py)."""
from __future__ import annotations

import pytest
from redisserver import RedisServer, RedisUnavailable, unavailable
from sqlalchemy import select

from app import create_app, jobs
from app.experts.models import RoutingDecision
from app.extensions import db as _db
from config import TestingConfig

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def redis_server():
    try:
        server = RedisServer().start()
    except RedisUnavailable as err:
        unavailable(str(err))
    yield server
    server.stop()


@pytest.fixture
def queued_app(redis_server, tmp_path):
    redis_server.flush()
    jobs._queues.clear()
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'jobs.db'}",
                     REDIS_URL=redis_server.url(), JOBS_MODE="redis")
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def run_worker(app) -> None:
    """What `flask jobs worker --burst` does, in this process."""
    from rq import SimpleWorker

    queue = jobs.queue_for(app)
    jobs._worker_app = app
    try:
        SimpleWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=False)
    finally:
        jobs._worker_app = None


def make_user(role: str, name: str):
    # Not the conftest fixture: that one brings the default (inline) app and its database.
    from app.accounts import services as accounts

    user = accounts.create_user(_db.session, name, "correct-horse-9", role=role)
    _db.session.commit()
    return user


def test_routing_waits_in_redis_until_a_worker_runs_it(queued_app):
    import factories

    expert, asker = make_user("expert", "queued.expert"), make_user("staff", "queued.asker")
    question = factories.ask(asker)  # queues the routing job and, for the asker, nothing else
    assert _db.session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id)) is None
    queue = jobs.queue_for(queued_app)
    assert queue.count >= 1 and any("route_question_job" in (j.description or "") for j in queue.jobs)
    # "The web process restarts": a new app object (a new process would be the same) runs the worker.
    restarted = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=queued_app.config["SQLALCHEMY_DATABASE_URI"],
                           REDIS_URL=queued_app.config["REDIS_URL"], JOBS_MODE="redis")
    _db.session.rollback()  # end the test's read snapshot (SQLite WAL), then look again
    run_worker(restarted)
    decision = _db.session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))
    assert decision is not None and expert.id in [c.user_id for c in decision.candidates]
    assert queue.count == 0


def test_periodic_jobs_fire_once_per_interval_across_workers(queued_app):
    queue = jobs.queue_for(queued_app)
    first = jobs.fire_due_periodic(queued_app, queue.connection)
    assert "experts.escalation" in first and "notifications.digests" in first
    assert jobs.fire_due_periodic(queued_app, queue.connection) == []  # a second worker, same moment
    assert queue.count == len(first)
    run_worker(queued_app)
    assert queue.count == 0
    from rq.registry import FailedJobRegistry
    assert FailedJobRegistry(queue=queue).count == 0


def test_a_job_that_cannot_be_named_runs_here(queued_app):
    ran = []
    jobs.enqueue(lambda session: ran.append(session))
    jobs._executor().submit(lambda: None).result(timeout=10)
    import time
    for _ in range(50):
        if ran:
            break
        time.sleep(0.05)
    assert ran and jobs.queue_for(queued_app).count == 0


def test_delayed_jobs_are_scheduled_in_redis(queued_app):
    from rq.registry import ScheduledJobRegistry

    jobs.enqueue(jobs.run_queued, delay=60)  # any importable function: it must not run now
    queue = jobs.queue_for(queued_app)
    assert ScheduledJobRegistry(queue=queue).count == 1 and queue.count == 0


def test_the_worker_command_waits_idle_past_its_socket_timeouts_and_then_runs_a_job(queued_app, tmp_path):
    """`flask jobs worker` (periodic jobs on), idle after a job for longer than the queue connection's socket timeout
    (10 s), is still running and runs the next job. It used to take its own idle wait for a lost
    Redis and quit 10 s after its last job (the periodic thread had opened the shared connection
    with the web timeout before RQ raised it), and deploy/serve.py stopped everything with it."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": queued_app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": queued_app.config["REDIS_URL"], "JOBS_MODE": "redis", "SECRET_KEY": "worker-test",
           "WARM_UP": "0"}
    log = tmp_path / "worker.log"

    def run_one_job() -> None:
        job = jobs._enqueue_durable(queued_app, "app.points.fraud:scan_job", (), 0)
        deadline = time.monotonic() + 30
        while job.get_status(refresh=True) not in ("finished", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert job.get_status(refresh=True) == "finished", log.read_text()

    with open(log, "w") as out:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "jobs", "worker"],
                                cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        run_one_job()
        time.sleep(13)
        assert proc.poll() is None, log.read_text()
        run_one_job()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
