"""Shared fixtures: a fresh SQLite database file per test, user and login helpers."""
from __future__ import annotations

import itertools

import pytest
from flask import g, request_started

from app import create_app
from app.accounts import services as accounts
from app.extensions import db as _db
from config import TestingConfig

_counter = itertools.count(1)
PASSWORD = "correct-horse-9"


@pytest.fixture
def app(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'test.db'}")
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def fresh_g(request):
    """Give every test-client request an empty ``g``, as a real server does.

    The ``app`` fixture keeps one app context pushed for the whole test and Flask reuses it for
    test-client requests, so without this flask-login's cached user and flask-babel's locale
    would leak from one request into the next."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")

    def clear(_sender, **_extra):
        vars(g._get_current_object()).clear()

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """make_user(role="staff", teams=("cards",), name=None) -> committed User."""
    from sqlalchemy import select

    from app.accounts.models import Team

    def make(role: str = "customer", teams=(), name: str | None = None, password: str = PASSWORD):
        for slug in teams:
            if _db.session.scalar(select(Team).where(Team.slug == slug)) is None:
                accounts.create_team(_db.session, slug)
        user = accounts.create_user(_db.session, name or f"{role}{next(_counter)}", password, role=role,
                                    teams=list(teams))
        _db.session.commit()
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
