"""API: /experts, /questions/<id>/routing (+ decline, by hand), /notifications, expert profile."""
from __future__ import annotations

import pytest
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)

from app.forum import services

EXPERT_KEYS = {"user", "weight", "evidence", "tags", "declared", "is_available"}
ROUTING_KEYS = {"question_id", "status", "created_at", "candidates", "notified"}
CANDIDATE_KEYS = {"user", "rank", "score", "reasons", "state", "is_exploration", "notified_at", "declined_at",
                  "decline_reason", "answered_at", "routed_by_hand"}
NOTE_KEYS = {"id", "kind", "subject_type", "subject_id", "question_id", "title", "url", "gone", "reasons", "rank",
             "created_at", "read", "resolved", "text", "actor", "delivery"}


@pytest.fixture
def routed(api, db, cast):
    """cast.expert answered (accepted) two public 'cards' questions and one internal one;
    then cast.staff asks a new public 'cards' question through the API (routing runs after commit).
    The expert has an API token (cast's users have no password): routing asks only people who can
    log in."""
    api.headers(cast.expert)
    for visibility in ("public", "public", "internal"):
        q = services.ask_question(db.session, title=f"How do I reset a {visibility} card PIN?",
                                  body="The customer forgot the PIN.", tags=["cards"], by=cast.asker,
                                  visibility=visibility)
        a = services.post_answer(db.session, q, body="Use the PIN reset screen in the branch tool.", by=cast.expert)
        db.session.commit()
        services.accept_answer(db.session, a, by=cast.asker)
        db.session.commit()
    response = api.post("/questions", cast.staff, json={"title": "Card PIN locked after three tries",
                                                        "body": "What do I tell the customer?", "tags": ["cards"],
                                                        "visibility": "public"})
    assert response.status_code == 201
    return response.get_json()["id"]


def test_experts_by_tag_counts_only_what_the_caller_may_see(api, cast, routed):
    staff_view = api.get("/experts?tag=cards", cast.staff).get_json()
    assert staff_view["tag"] == "cards" and staff_view["items"]
    top = staff_view["items"][0]
    assert set(top) == EXPERT_KEYS and top["user"]["id"] == cast.expert.id
    assert (top["evidence"]["answers"], top["evidence"]["accepted"]) == (3, 3)
    customer_view = api.get("/experts?tag=cards", cast.customer).get_json()["items"][0]
    assert (customer_view["evidence"]["answers"], customer_view["evidence"]["accepted"]) == (2, 2)


def test_who_knows_and_bad_requests(api, cast, routed):
    body = api.get("/experts?q=PIN reset screen", None).get_json()
    assert body["items"][0]["user"]["id"] == cast.expert.id
    assert_problem(api.get("/experts"), 400, "tag")
    assert_problem(api.get("/experts?tag=cards&limit=abc"), 400, "limit")
    assert api.get("/experts?q=" + "x" * 10000).status_code == 200


def test_routing_visible_to_moderators_and_why_me(api, cast, routed):
    full = api.get(f"/questions/{routed}/routing", cast.moderator).get_json()
    assert set(full) == ROUTING_KEYS and full["status"] == "routed"
    assert all(set(c) == CANDIDATE_KEYS for c in full["candidates"])
    assert cast.expert.id in full["notified"]
    assert cast.staff.id not in [c["user"]["id"] for c in full["candidates"]]  # never the asker
    mine = api.get(f"/questions/{routed}/routing", cast.expert).get_json()
    assert [c["user"]["id"] for c in mine["candidates"]] == [cast.expert.id]
    assert any(r["code"] == "answered_in_tags" for r in mine["candidates"][0]["reasons"])
    assert_problem(api.get(f"/questions/{routed}/routing", cast.customer), 403)
    assert_problem(api.get(f"/questions/{routed}/routing"), 401)
    assert_problem(api.get("/questions/999999/routing", cast.moderator), 404)


def test_hidden_question_routing_is_404(api, db, cast):
    q = services.ask_question(db.session, title="Team only question here", body="Internal process detail.",
                              tags=["cards"], by=cast.asker, visibility="team", team="cards")
    db.session.commit()
    assert_problem(api.get(f"/questions/{q.id}/routing", cast.staff), 404)
    assert api.get(f"/questions/{q.id}/routing", cast.moderator).status_code == 200


def test_decline_and_route_by_hand(api, cast, routed):
    response = api.post(f"/questions/{routed}/routing/decline", cast.expert, json={"reason": "In training"})
    assert response.status_code == 200
    assert response.get_json()["candidates"][0]["state"] == "declined"
    assert_problem(api.post(f"/questions/{routed}/routing/decline", cast.expert, json={}), 409)
    assert_problem(api.post(f"/questions/{routed}/routing/decline", cast.expert, json={"reason": 5}), 400, "reason")
    assert_problem(api.post(f"/questions/{routed}/routing", cast.staff, json={"user": "member"}), 403)
    assert_problem(api.post(f"/questions/{routed}/routing", cast.moderator, json={"user": "nobody-here"}), 404)
    assert_problem(api.post(f"/questions/{routed}/routing", cast.moderator, json={}), 400, "user")
    # Customers, and accounts that cannot log in, cannot be asked even by hand.
    assert_problem(api.post(f"/questions/{routed}/routing", cast.moderator, json={"user": "customer"}), 422, "user")
    api.headers(cast.member)
    done = api.post(f"/questions/{routed}/routing", cast.moderator, json={"user": "member"})
    assert done.status_code == 201
    row = next(c for c in done.get_json()["candidates"] if c["user"]["username"] == "member")
    assert row["routed_by_hand"] and row["state"] == "notified"


def test_notifications_after_id_oldest_first_and_read(api, cast, routed):
    assert_problem(api.get("/notifications"), 401)
    body = api.get("/notifications", cast.expert).get_json()
    assert set(body) == {"items", "after", "has_more", "unread"}
    items = body["items"]
    assert items and all(set(n) == NOTE_KEYS for n in items)
    assert [n["id"] for n in items] == sorted(n["id"] for n in items)
    assert items[-1]["question_id"] == routed and items[-1]["kind"] == "routed"
    last = items[-1]["id"]
    assert api.get(f"/notifications?after={last}", cast.expert).get_json()["items"] == []
    assert_problem(api.get("/notifications?after=x", cast.expert), 400, "after")
    assert api.get("/notifications", cast.customer).get_json()["items"] == []  # only the caller's
    marked = api.post("/notifications/read", cast.expert, json={"up_to": last}).get_json()
    assert marked["marked"] == len(items) and marked["unread"] == 0


def test_expert_profile_patch(api, cast, routed):
    body = api.get("/users/me/expert-profile", cast.expert).get_json()
    assert body["is_available"] is True and body["declared_tags"] == []
    response = api.patch("/users/me/expert-profile", cast.expert,
                         json={"is_available": False, "away_until": "2099-01-01T08:00:00+08:00",
                               "declared_tags": ["cards"], "daily_limit": 3})
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["is_available"], body["away_until"], body["declared_tags"], body["daily_limit"]) == (
        False, "2099-01-01T00:00:00Z", ["cards"], 3)
    assert_problem(api.patch("/users/me/expert-profile", cast.expert, json={"declared_tags": ["no-such-tag"]}),
                   422, "declared_tags")
    assert_problem(api.patch("/users/me/expert-profile", cast.expert, json={"away_until": "soon"}), 400,
                   "away_until")
    assert_problem(api.patch("/users/me/expert-profile", cast.expert, json={"is_available": "yes"}), 400,
                   "is_available")
    assert_problem(api.patch("/users/me/expert-profile", cast.expert,
                             json={"is_available": False, "away_until": "2001-01-01T00:00:00Z"}), 422, "away_until")
    assert api.get("/users/me/expert-profile", cast.expert).get_json()["declared_tags"] == ["cards"]  # kept
