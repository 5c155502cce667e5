"""Shared fixtures: a fresh SQLite database file per test, user and login helpers."""
from __future__ import annotations

import contextvars
import itertools
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.accounts import services as accounts
from app.extensions import db as _db
from config import TestingConfig

# tests/factories.py (shared test factories) is importable from every test module.
sys.path.insert(0, str(Path(__file__).parent))
_counter = itertools.count(1)
PASSWORD = "correct-horse-9"


class RequestScopedClient(FlaskClient):
    """A test client whose requests each get a fresh app context, ``g`` and database session,
    as on a real server, while the test keeps its own context for direct database access.

    Flask reuses an app context that is already pushed; the test's is hidden from the request
    by running it in a copy of the context where Flask's context variables are unset. The
    test's session commits first, so what the test wrote is what the request reads, and its
    objects reload afterwards, so the test reads what the request wrote."""

    def open(self, *args, **kwargs):
        from flask.globals import _cv_app, _cv_request

        def isolated():
            _cv_app.set(None)
            _cv_request.set(None)
            return super(RequestScopedClient, self).open(*args, **kwargs)
        if self.application.extensions.get("sqlalchemy") is not None and _cv_app.get(None) is not None:
            _db.session.commit()
        return contextvars.copy_context().run(isolated)


# Every app the suite creates (module-level app fixtures included) gets the client above.
Flask.test_client_class = RequestScopedClient


@pytest.fixture
def app(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'test.db'}")
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """make_user(role="staff", teams=("cards",), name=None, points=0) -> committed User; ``points``
    come as a ledger entry (factories.grant_points), for privileges earned by points."""
    from sqlalchemy import select

    from app.accounts.models import Team

    def make(role: str = "customer", teams=(), name: str | None = None, password: str = PASSWORD,
             points: int = 0):
        for slug in teams:
            if _db.session.scalar(select(Team).where(Team.slug == slug)) is None:
                accounts.create_team(_db.session, slug)
        user = accounts.create_user(_db.session, name or f"{role}{next(_counter)}", password, role=role,
                                    teams=list(teams))
        _db.session.commit()
        if points:
            from factories import grant_points

            grant_points(user, points)
        return user
    return make


@pytest.fixture
def login(client):
    """login(user) logs the test client in through the real form."""
    def do(user, password: str = PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response
    return do


@pytest.fixture
def token_for(app):
    def make(user) -> dict:
        _, plaintext = accounts.create_token(_db.session, user, "test")
        _db.session.commit()
        return {"Authorization": f"Bearer {plaintext}"}
    return make


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway redis-server for tests marked ``redis`` (tests/redisserver.py)."""
    from tests.redisserver import RedisServer, RedisUnavailable, unavailable

    server = RedisServer()
    try:
        server.start()
    except RedisUnavailable as exc:
        unavailable(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The throwaway server's URL, emptied for this test."""
    redis_server.flush()
    return redis_server.url()
