"""app/security.py and the login throttle on PostgreSQL, where NUL in text and out-of-range
integers are errors of the database itself (SQLite variants: tests/functional/test_security_*)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db as _db

pytestmark = pytest.mark.postgres


def test_nul_in_the_login_form_is_a_400_not_a_database_error(client, make_user):
    user = make_user()
    response = client.post("/login", data={"username": user.username + "\x00", "password": "whatever-1"})
    assert response.status_code == 400 and "contains a NUL character" in response.get_data(as_text=True)
    assert client.post("/login", data={"username": user.username, "password": "correct-horse-9"}).status_code == 302


def test_nul_in_api_json_is_a_problem_naming_the_field(client, make_user, token_for):
    headers = token_for(make_user("staff"))
    response = client.post("/api/v1/questions", headers=headers, json={
        "title": "A title long enough", "body": "Body with a \x00 inside", "tags": ["cards"]})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "body" in response.get_json()["errors"]


def test_a_value_out_of_range_for_postgresql_is_a_400(app, client):
    def query():
        _db.session.scalars(select(User).offset(10**20)).all()  # bigint out of range: a DataError
        return "unreachable"

    app.add_url_rule("/test-out-of-range", "test_out_of_range", query)
    app.add_url_rule("/api/v1/test-out-of-range", "test_api_out_of_range", query)
    page = client.get("/test-out-of-range")
    assert page.status_code == 400 and "A value is out of range." in page.get_data(as_text=True)
    problem = client.get("/api/v1/test-out-of-range")
    assert problem.status_code == 400 and problem.get_json()["detail"] == "A value is out of range."
    assert client.get("/").status_code == 200  # the aborted transaction was rolled back


def test_huge_numbers_in_urls_never_500(client):
    for path in ("/?page=" + "9" * 20, "/api/v1/questions?page=" + "9" * 20,
                 "/api/v1/notifications?after=" + "9" * 20):
        assert client.get(path).status_code < 500, path
