"""Rate limiting with Redis: login failures counted across app instances (gunicorn workers)
through Redis, and everything keeps working when Redis is down (memory fallback, logged)."""
from __future__ import annotations

import logging

import pytest

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from config import TestingConfig
from tests.redisserver import closed_port

PASSWORD = "correct-horse-9"
LIMITS = {"LOGIN_FAILURES_PER_IP": "4 per 10 minutes", "LOGIN_FAILURES_PER_ACCOUNT_IP": "100 per 10 minutes",
          "LOGIN_FAILURES_PER_ACCOUNT": "100 per 10 minutes"}


@pytest.fixture(autouse=True)
def _limiter_back_to_normal():
    """Flask-Limiter's one Limiter outlives each app: do not leave it on the memory fallback."""
    yield
    limiter._storage_dead = False


def _attempt(app, username, password, address="203.0.113.7"):
    return app.test_client().post("/login", data={"username": username, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


@pytest.mark.redis
def test_two_app_instances_share_login_failures_through_redis(app, make_user, redis_url):
    """Two workers: failures split between them add up, and both refuse once the sum is reached."""
    user = make_user("staff")
    workers = [create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                          RATELIMIT_STORAGE_URI=redis_url, **LIMITS) for _ in range(2)]
    try:
        for n in range(4):
            assert _attempt(workers[n % 2], f"guess{n}", "wrong-guess-1").status_code == 200
        for worker in workers:
            assert _attempt(worker, user.username, PASSWORD).status_code == 429
        assert _attempt(workers[0], user.username, PASSWORD, "198.51.100.1").status_code == 302
    finally:
        for worker in workers:
            with worker.app_context():
                _db.engine.dispose()


def test_redis_down_logins_and_writes_keep_working(tmp_path, caplog):
    """REDIS_URL points at a closed port: every rate limit falls back to memory, with a warning."""
    caplog.set_level(logging.WARNING)
    down = f"redis://127.0.0.1:{closed_port()}/0"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'down.db'}",
                     RATELIMIT_STORAGE_URI=down, REDIS_URL=down, **LIMITS)
    with app.app_context():
        _db.create_all()
        from app.accounts import services as accounts
        user = accounts.create_user(_db.session, "agent-down", PASSWORD, role="staff")
        _, token = accounts.create_token(_db.session, user, "t")
        _db.session.commit()
        try:
            assert _attempt(app, user.username, PASSWORD).status_code == 302
            # Still throttled, in this process's memory.
            for n in range(4):
                assert _attempt(app, f"guess{n}", "wrong-guess-1").status_code == 200
            assert _attempt(app, user.username, PASSWORD).status_code == 429
            created = app.test_client().post(
                "/api/v1/questions", headers={"Authorization": f"Bearer {token}"},
                json={"title": "Does it work without Redis?", "body": "It should.", "tags": ["ops"]})
            assert created.status_code == 201, created.get_data(as_text=True)
            registered = app.test_client().post("/register", data={
                "username": "newcomer", "password": "long-enough-1", "confirm": "long-enough-1"})
            assert registered.status_code == 302
        finally:
            _db.session.remove()
            _db.engine.dispose()
    assert "Login throttle: rate-limit storage" in caplog.text and "unreachable" in caplog.text
    assert "falling back to in-memory storage" in caplog.text  # Flask-Limiter's own warning
