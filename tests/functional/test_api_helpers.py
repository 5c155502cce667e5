"""Helpers shared by the API tests: a token-carrying client and a small cast of users."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.accounts import services as accounts
from app.forum import services

_NO_BODY = object()
PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}


class Api:
    """Calls /api/v1 as a given user (bearer token) or anonymously (user=None)."""

    def __init__(self, client, token_for):
        self.client = client
        self._token_for = token_for
        self._headers: dict[int, dict] = {}

    def headers(self, user) -> dict:
        if user is None:
            return {}
        if user.id not in self._headers:
            self._headers[user.id] = self._token_for(user)
        return self._headers[user.id]

    def call(self, method: str, path: str, user=None, json=_NO_BODY, headers=None, **kwargs):
        hdrs = {**self.headers(user), **(headers or {})}
        if json is not _NO_BODY:
            kwargs["json"] = json
        return self.client.open("/api/v1" + path, method=method, headers=hdrs, **kwargs)

    def get(self, path, user=None, **kw):
        return self.call("GET", path, user, **kw)

    def post(self, path, user=None, json=_NO_BODY, **kw):
        return self.call("POST", path, user, json=json, **kw)

    def patch(self, path, user=None, json=_NO_BODY, **kw):
        return self.call("PATCH", path, user, json=json, **kw)

    def delete(self, path, user=None, **kw):
        return self.call("DELETE", path, user, **kw)


def assert_problem(response, status: int, field: str | None = None) -> dict:
    """The response is application/problem+json with ``status`` (and names ``field``)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) == PROBLEM_KEYS and body["status"] == status
    assert body["title"] and body["detail"]
    if field is not None:
        assert field in body["errors"], body
    return body


@pytest.fixture
def api(client, token_for):
    return Api(client, token_for)


@pytest.fixture
def cast(db):
    """One user per role, a team member of 'cards', and the asker of three questions:
    public, internal and team 'cards' (asked through the services).

    Users have no password (API tokens only): hashing one costs a third of a second."""
    accounts.create_team(db.session, "cards")
    user = lambda name, role, teams=(): accounts.create_user(  # noqa: E731
        db.session, name, None, role=role, teams=list(teams))
    people = SimpleNamespace(
        customer=user("customer", "customer"), staff=user("staff", "staff"),
        member=user("member", "staff", ["cards"]), expert=user("expert", "expert"),
        moderator=user("moderator", "moderator"), admin=user("admin", "admin"),
        asker=user("asker", "staff", ["cards"]),
    )
    ask = lambda title, vis, team=None: services.ask_question(  # noqa: E731
        db.session, title=title, body="Body text long enough.", tags=["cards"], visibility=vis,
        team=team, by=people.asker)
    people.public = ask("How do I reset a card PIN?", "public")
    people.internal = ask("Internal limits for card refunds", "internal")
    people.team_q = ask("Cards team escalation contacts", "team", "cards")
    db.session.commit()
    return people
