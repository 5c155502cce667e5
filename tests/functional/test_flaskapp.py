"""The application class (app/flaskapp.py): a session cookie decoded once is kept by its text,
and Flask's coroutine check is asked once per hook; neither may change what is accepted."""
from __future__ import annotations

import datetime
import time

import pytest
from flask import after_this_request, session

from app import create_app
from config import TestingConfig


@pytest.fixture
def probe(app):
    @app.get("/_probe/session")
    def _show():
        seen = dict(session)
        session.setdefault("items", []).append(len(seen.get("items", [])))
        session.modified = True
        return {"items": seen.get("items", []), "user": seen.get("who")}

    @app.get("/_probe/login/<name>")
    def _login(name):
        session["who"] = name
        return "ok"
    return app


def _cookie(client):
    return client.get_cookie("session").value


def test_a_kept_cookie_is_never_shared_between_requests(probe):
    client = probe.test_client()
    client.get("/_probe/login/ann")
    value = _cookie(client)
    first = client.get("/_probe/session").get_json()
    # The same cookie again (a browser that did not take the new one): the view's change to
    # the first request's session must not show in the second.
    client.set_cookie("session", value)
    again = client.get("/_probe/session").get_json()
    assert first == again == {"items": [], "user": "ann"}


def test_a_tampered_or_foreign_cookie_is_refused_even_after_the_real_one_was_kept(probe):
    client = probe.test_client()
    client.get("/_probe/login/ann")
    value = _cookie(client)
    assert client.get("/_probe/session").get_json()["user"] == "ann"
    client.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/_probe/session").get_json()["user"] is None
    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="another-key-" * 4)
    other.add_url_rule("/_probe", view_func=lambda: {"user": session.get("who")})
    stranger = other.test_client()
    stranger.set_cookie("session", value)
    assert stranger.get("/_probe").get_json()["user"] is None


def test_a_kept_cookie_expires_at_the_same_age(probe, monkeypatch):
    probe.permanent_session_lifetime = datetime.timedelta(seconds=60)
    client = probe.test_client()
    client.get("/_probe/login/ann")
    value = _cookie(client)
    assert client.get("/_probe/session").get_json()["user"] == "ann"  # decoded and kept
    later = time.time() + 120  # two minutes on, for this module and itsdangerous alike
    monkeypatch.setattr(time, "time", lambda: later)
    client.set_cookie("session", value)
    assert client.get("/_probe/session").get_json()["user"] is None


def test_a_new_secret_key_drops_every_kept_cookie(probe):
    client = probe.test_client()
    client.get("/_probe/login/ann")
    value = _cookie(client)
    assert client.get("/_probe/session").get_json()["user"] == "ann"
    probe.secret_key = probe.config["SECRET_KEY"] = "rotated-key-" * 4
    client.set_cookie("session", value)
    assert client.get("/_probe/session").get_json()["user"] is None


def test_per_request_callbacks_run_every_time_and_are_not_kept(app):
    calls = []

    @app.get("/_probe/after")
    def _after():
        @after_this_request
        def _note(response):
            calls.append(1)
            return response
        return "ok"
    client = app.test_client()
    for _ in range(app._KNOWN + 50):
        client.get("/_probe/after")
    assert len(calls) == app._KNOWN + 50
    assert len(app._coroutine) <= app._KNOWN


def test_coroutine_functions_are_still_told_apart(app, monkeypatch):
    monkeypatch.setattr(app, "async_to_sync", lambda func: ("wrapped", func))

    async def coroutine():
        return None

    def plain():
        return None
    for _ in range(2):  # asked, then known
        assert app.ensure_sync(coroutine) == ("wrapped", coroutine)
        assert app.ensure_sync(plain) is plain
