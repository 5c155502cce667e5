"""API: authentication, CSRF for cookie sessions, rate limiting, users, tags, and a fuzz
pass that no bad input turns into a 500."""
from __future__ import annotations

import pytest
from flask import session
from flask_wtf.csrf import generate_csrf
from factories import grant_points  # noqa: E402  (privileges are earned by points)
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)

from app.accounts import services as accounts
from app.forum import services


def test_invalid_revoked_or_foreign_credentials_are_401(api, db, cast):
    for header in ("Bearer qa_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"):
        body = assert_problem(api.get("/questions", headers={"Authorization": header}), 401)
        assert body["title"] == "Authentication required"
    response = api.get("/users/me", headers={"Authorization": "Bearer wrong"})
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    row, plaintext = accounts.create_token(db.session, cast.staff, "to revoke")
    db.session.commit()
    assert api.get("/users/me", headers={"Authorization": f"Bearer {plaintext}"}).get_json()["id"] == cast.staff.id
    accounts.revoke_token(db.session, row.id, by=cast.staff)
    db.session.commit()
    assert_problem(api.get("/users/me", headers={"Authorization": f"Bearer {plaintext}"}), 401)


def test_anonymous_reads_public_and_writes_get_401(api, cast):
    assert api.get("/questions").status_code == 200
    body = assert_problem(api.post("/questions", json={"title": "Anonymous question", "body": "Hello there",
                                                       "tags": ["cards"]}), 401)
    assert "Bearer" in body["detail"]
    assert_problem(api.get("/users/me"), 401)


def test_users_me_and_profile(api, cast):
    me = api.get("/users/me", cast.member).get_json()
    assert me["id"] == cast.member.id and me["role"] == "staff"
    assert [t["slug"] for t in me["teams"]] == ["cards"]
    profile = api.get(f"/users/{cast.expert.id}").get_json()
    assert profile == {"id": cast.expert.id, "username": cast.expert.username,
                       "display_name": cast.expert.display_name, "role": "expert", "points": 0, "badges": [],
                       "created_at": profile["created_at"], "about_html": ""}
    assert "email" not in profile
    assert_problem(api.get("/users/999999"), 404)


def test_user_answers_list_respects_visibility(api, db, cast):
    services.post_answer(db.session, cast.public, body="Public answer by expert.", by=cast.expert)
    services.post_answer(db.session, cast.internal, body="Internal answer by expert.", by=cast.expert)
    db.session.commit()
    assert api.get(f"/users/{cast.expert.id}/answers").get_json()["total"] == 1
    staff_view = api.get(f"/users/{cast.expert.id}/answers", cast.staff).get_json()
    assert staff_view["total"] == 2
    assert {a["question_title"] for a in staff_view["items"]} == {cast.public.title, cast.internal.title}


def test_tags_count_only_visible_questions(api, db, cast):
    services.ask_question(db.session, title="Secret merger playbook", body="Internal only text.",
                          tags=["merger"], visibility="internal", by=cast.staff)
    db.session.commit()
    public = api.get("/tags").get_json()
    assert public["items"] == [{"name": "cards", "description": "", "question_count": 1}]
    staff = {t["name"]: t["question_count"] for t in api.get("/tags", cast.staff).get_json()["items"]}
    assert staff == {"cards": 2, "merger": 1}
    moderator = api.get("/tags", cast.moderator).get_json()
    assert moderator["items"][0] == {"name": "cards", "description": "", "question_count": 3}
    assert [t["name"] for t in api.get("/tags?q=mer", cast.staff).get_json()["items"]] == ["merger"]
    assert api.get("/tags?q=%25", cast.staff).get_json()["total"] == 0  # LIKE wildcards are escaped


# --- CSRF -------------------------------------------------------------------------------

def _session_login(app, client, user) -> str:
    """Log ``user`` into the client's cookie session; returns a valid CSRF token for it."""
    with app.test_request_context():
        token = generate_csrf()
        raw = session["csrf_token"]
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_session_identity()  # what login_user stores
        sess["_fresh"] = True
        sess["csrf_token"] = raw
    return token


def test_cookie_session_writes_need_the_csrf_header_bearer_writes_do_not(app, api, cast):
    app.config["WTF_CSRF_ENABLED"] = True
    token = _session_login(app, api.client, cast.customer)
    path = f"/questions/{cast.public.id}/vote"
    assert api.get("/users/me").get_json()["id"] == cast.customer.id  # reads need no token
    body = assert_problem(api.post(path, json={"value": 1}), 400, "X-CSRFToken")
    assert "CSRF" in body["detail"]
    assert_problem(api.post(path, json={"value": 1}, headers={"X-CSRFToken": "forged"}), 400)
    assert api.post(path, json={"value": 1}, headers={"X-CSRFToken": token}).get_json()["score"] == 1
    # A bearer client has no CSRF token to send, and needs none.
    api.client.delete_cookie("session", domain="localhost")
    assert api.post(path, cast.staff, json={"value": 1}).get_json() == {"score": 2, "my_vote": 1}


def test_bearer_token_wins_over_a_session_cookie(app, api, cast):
    _session_login(app, api.client, cast.customer)
    assert api.get("/users/me").get_json()["id"] == cast.customer.id
    assert api.get("/users/me", cast.moderator).get_json()["id"] == cast.moderator.id
    assert_problem(api.get("/users/me", headers={"Authorization": "Bearer revoked-or-wrong"}), 401)


# --- rate limit ---------------------------------------------------------------------------

def test_writes_are_rate_limited_per_user(app, api, cast):
    app.config["API_WRITE_RATE_LIMIT"] = "3 per minute"
    path = f"/questions/{cast.public.id}/vote"
    grant_points(cast.customer, 125)  # votes down
    for value in (1, -1, 0):
        assert api.post(path, cast.customer, json={"value": value}).status_code == 200
    body = assert_problem(api.post(path, cast.customer, json={"value": 1}), 429)
    assert body["status"] == 429
    assert api.post(path, cast.staff, json={"value": 1}).status_code == 200  # another user's budget
    assert api.get("/questions", cast.customer).status_code == 200          # reads are not limited


# --- fuzz -------------------------------------------------------------------------------

BAD_BODIES = [None, [], [1, 2], "text", 0, True, {}, {"value": "1"}, {"value": True}, {"value": 10**40},
              {"title": None, "body": None, "tags": None}, {"title": ["x"], "tags": {"a": 1}},
              {"reason": {"x": 1}, "duplicate_of": "abc"}, {"duplicate_of": -1, "reason": "duplicate"},
              {"body": "\u0000" * 20}, {"team": "9" * 50, "title": "t" * 10, "visibility": "team"},
              {"tags": ["a" * 500]}, {"body": "b" * 40_000}]


QUERIES = [{"page": "-5", "per_page": "1" + "0" * 60}, {"page": "x", "sort": "?", "author": "9" * 40}]


@pytest.mark.parametrize("user_name", [None, "customer", "moderator"])
def test_fuzz_every_route_never_500(app, api, db, cast, user_name):
    """Every API rule, every method, with ids that exist, do not, or overflow, and bad bodies
    and parameters: the answer is always a 2xx or a 4xx problem (testing re-raises
    unexpected errors instead of answering 500)."""
    app.config["API_WRITE_RATE_LIMIT"] = "100000 per minute"  # reach the handlers, not the limiter
    user = getattr(cast, user_name) if user_name else None
    answer = services.post_answer(db.session, cast.public, body="An answer to fuzz.", by=cast.expert)
    comment = services.post_comment(db.session, answer, body="A comment to fuzz.", by=grant_points(cast.staff, 50))
    db.session.commit()
    # Real ids reach the services; 10**30 would overflow the database if it got that far.
    values = {"question_id": [cast.public.id, cast.team_q.id, 10**30], "answer_id": [answer.id, 10**30],
              "comment_id": [comment.id], "user_id": [cast.staff.id, 10**30]}
    calls = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        arg = next(iter(rule.arguments), None)
        for value in values.get(arg, [None]):
            path = rule.rule.split("<")[0] + (str(value) + rule.rule.split(">", 1)[1] if arg else "")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                cases = [(b, {}) for b in BAD_BODIES] if method in ("POST", "PATCH") else \
                    [(None, q) for q in QUERIES]
                for body, query in cases:
                    response = api.call(method, path.removeprefix("/api/v1"), user, json=body,
                                        query_string=query)
                    calls += 1
                    assert response.status_code < 500, (method, path, body, response.get_json())
                    if response.status_code >= 400:
                        assert response.mimetype == "application/problem+json", (method, path, body)
    assert calls > 300
