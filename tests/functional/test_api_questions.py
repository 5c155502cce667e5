"""API: questions (list, read, ask, edit, delete, close, reopen, comments, revisions) and
the visibility matrix."""
from __future__ import annotations

import pytest
from factories import grant_points  # noqa: E402  (privileges are earned by points)
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)

from app.forum import services

SUMMARY_KEYS = {"id", "title", "tags", "score", "answer_count", "accepted_answer_id", "visibility", "team",
                "created_at", "last_activity_at", "is_closed", "url", "author", "source_url", "source_author"}
NEW = {"title": "What is the daily ATM limit?", "body": "A customer asks about the limit.",
       "tags": ["cards", "atm"]}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["id"] for item in response.get_json()["items"]}


# --- visibility -------------------------------------------------------------------------

def test_list_shows_each_role_exactly_what_it_may_see(api, cast):
    pub, internal, team = cast.public.id, cast.internal.id, cast.team_q.id
    assert ids(api.get("/questions")) == {pub}
    assert ids(api.get("/questions", cast.customer)) == {pub}
    assert ids(api.get("/questions", cast.staff)) == {pub, internal}
    assert ids(api.get("/questions", cast.member)) == {pub, internal, team}
    assert ids(api.get("/questions", cast.moderator)) == {pub, internal, team}
    assert ids(api.get("/questions", cast.admin)) == {pub, internal, team}
    assert api.get("/questions", cast.staff).get_json()["total"] == 2


@pytest.mark.parametrize("who,visible", [
    (None, {"public"}), ("customer", {"public"}), ("staff", {"public", "internal"}),
    ("member", {"public", "internal", "team_q"}), ("moderator", {"public", "internal", "team_q"}),
    ("admin", {"public", "internal", "team_q"}),
])
def test_read_is_404_for_hidden_questions(api, cast, who, visible):
    user = getattr(cast, who) if who else None
    for name in ("public", "internal", "team_q"):
        question = getattr(cast, name)
        response = api.get(f"/questions/{question.id}", user)
        if name in visible:
            assert response.status_code == 200 and response.get_json()["id"] == question.id
        else:
            body = assert_problem(response, 404)
            # The same answer as for an id that never existed: existence does not leak.
            assert body == assert_problem(api.get("/questions/999999", user), 404)


def test_hidden_question_writes_are_404_and_anonymous_writes_401(api, cast):
    qid = cast.team_q.id
    assert_problem(api.post(f"/questions/{qid}/answers", cast.staff, json={"body": "Some answer text."}), 404)
    assert_problem(api.post(f"/questions/{qid}/vote", cast.staff, json={"value": 1}), 404)
    assert_problem(api.patch(f"/questions/{qid}", cast.customer, json={"title": "A new title here"}), 404)
    # Anonymous callers are told to authenticate before anything is looked up.
    assert_problem(api.post(f"/questions/{qid}/answers", json={"body": "Some answer text."}), 401)
    assert_problem(api.post("/questions/999999/vote", json={"value": 1}), 401)


# --- list parameters --------------------------------------------------------------------

def test_list_item_shape_and_pagination(api, cast, db):
    response = api.get("/questions?per_page=1&page=2", cast.moderator)
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (3, 2, 1, 1)
    item = body["items"][0]
    assert set(item) == SUMMARY_KEYS
    assert item["id"] == cast.internal.id  # newest first: team_q, internal, public
    assert item["author"] == {"id": cast.asker.id, "username": cast.asker.username,
                              "display_name": cast.asker.display_name}
    assert item["created_at"].endswith("Z") and "T" in item["created_at"]
    assert item["url"] == f"http://localhost/questions/{cast.internal.id}/{cast.internal.slug}"
    team_item = api.get("/questions?per_page=1", cast.moderator).get_json()["items"][0]
    assert (team_item["visibility"], team_item["team"]) == ("team", "cards")


def test_list_parameters_are_clamped_or_refused(api, cast):
    body = api.get("/questions?per_page=100000&page=-1").get_json()
    assert (body["page"], body["per_page"]) == (1, 100)
    assert api.get("/questions?per_page=0").get_json()["per_page"] == 1
    assert api.get("/questions?page=99999999999").get_json()["items"] == []
    assert_problem(api.get("/questions?page=abc"), 400, "page")
    assert_problem(api.get("/questions?per_page=1.5"), 400, "per_page")
    assert_problem(api.get("/questions?sort=oldest"), 400, "sort")


def test_list_sorts_and_filters(api, cast, db):
    answerer = cast.expert
    services.post_answer(db.session, cast.public, body="Use the IVR, option 3.", by=answerer)
    other = services.ask_question(db.session, title="Loan early repayment fee", body="Is there a fee?",
                                  tags=["loans"], by=cast.staff)
    db.session.commit()
    everyone = cast.moderator
    assert ids(api.get("/questions?sort=unanswered", everyone)) == {cast.internal.id, cast.team_q.id, other.id}
    active = api.get("/questions?sort=active", everyone).get_json()["items"]
    assert active[0]["id"] == other.id and active[1]["id"] == cast.public.id
    assert ids(api.get("/questions?tag=loans", everyone)) == {other.id}
    assert ids(api.get("/questions?tag=LOANS", everyone)) == {other.id}
    assert ids(api.get(f"/questions?author={cast.staff.id}", everyone)) == {other.id}
    assert ids(api.get(f"/questions?author={cast.staff.username}", everyone)) == {other.id}
    assert ids(api.get("/questions?author=nobody-here", everyone)) == set()


# --- ask --------------------------------------------------------------------------------

def test_ask_returns_201_with_location_and_the_question(api, cast):
    response = api.post("/questions", cast.staff, json={**NEW, "visibility": "internal"})
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"http://localhost/api/v1/questions/{body['id']}"
    assert (body["title"], body["tags"], body["visibility"], body["body"]) == (
        NEW["title"], ["cards", "atm"], "internal", NEW["body"])
    assert body["body_html"] == "<p>A customer asks about the limit.</p>\n"
    assert body["answers"] == [] and body["comments"] == [] and body["score"] == 0
    assert api.get(response.headers["Location"].removeprefix("http://localhost/api/v1"),
                   cast.staff).status_code == 200
    assert api.get(f"/questions/{body['id']}", cast.customer).status_code == 404


def test_ask_team_question(api, cast):
    body = api.post("/questions", cast.member, json={**NEW, "visibility": "team", "team": "cards"}).get_json()
    assert (body["visibility"], body["team"]) == ("team", "cards")
    assert_problem(api.post("/questions", cast.staff, json={**NEW, "visibility": "team", "team": "cards"}),
                   422, "team")


def test_ask_invalid_fields_are_422_with_every_field(api, cast):
    body = assert_problem(api.post("/questions", cast.staff, json={"title": "short", "tags": []}), 422)
    assert set(body["errors"]) == {"title", "body", "tags"}
    assert_problem(api.post("/questions", cast.customer, json={**NEW, "visibility": "internal"}),
                   422, "visibility")
    assert_problem(api.post("/questions", cast.staff, json={**NEW, "tags": [f"t{i}" for i in range(6)]}),
                   422, "tags")
    # Customers may only use existing tags.
    assert_problem(api.post("/questions", cast.customer, json={**NEW, "tags": ["brand-new"]}), 422, "tags")


@pytest.mark.parametrize("payload,field", [
    ({**NEW, "title": 42}, "title"),
    ({**NEW, "tags": "cards atm"}, "tags"),
    ({**NEW, "tags": [1, 2]}, "tags"),
    ({**NEW, "body": {"md": "x"}}, "body"),
    ({**NEW, "visibility": True}, "visibility"),
    ({**NEW, "team": 99999999999999}, "team"),
    ({**NEW, "titel": "typo"}, "titel"),
    ({**NEW, "title": "\ud800 lone surrogate title"}, "title"),
])
def test_ask_wrong_types_are_400_naming_the_field(api, cast, payload, field):
    assert_problem(api.post("/questions", cast.staff, json=payload), 400, field)


def test_ask_malformed_bodies_are_400(api, cast):
    headers = api.headers(cast.staff)
    assert_problem(api.post("/questions", cast.staff, json=[NEW]), 400)
    assert_problem(api.post("/questions", cast.staff, json="text"), 400)
    assert_problem(api.client.post("/api/v1/questions", data="{not json", headers=headers,
                                   content_type="application/json"), 400)
    assert_problem(api.client.post("/api/v1/questions", data="title=x", headers=headers,
                                   content_type="application/x-www-form-urlencoded"), 400)
    assert_problem(api.client.post("/api/v1/questions", data="[" * 100_000, headers=headers,
                                   content_type="application/json"), 400)
    assert api.get("/questions", cast.staff).get_json()["total"] == 2  # nothing half-written


# --- edit, delete -----------------------------------------------------------------------

def test_edit_makes_a_revision_and_is_limited_to_author_and_moderators(api, cast):
    qid = cast.public.id
    response = api.patch(f"/questions/{qid}", cast.asker,
                         json={"title": "How do I reset a forgotten card PIN?", "tags": ["cards", "pin"],
                               "comment": "clearer title"})
    assert response.status_code == 200
    assert response.get_json()["tags"] == ["cards", "pin"]
    revisions = api.get(f"/questions/{qid}/revisions").get_json()
    assert revisions["total"] == 2
    assert [r["number"] for r in revisions["items"]] == [2, 1]
    assert revisions["items"][0]["comment"] == "clearer title"
    assert revisions["items"][0]["title"] == "How do I reset a forgotten card PIN?"
    assert revisions["items"][1]["tags"] == ["cards"]
    assert_problem(api.patch(f"/questions/{qid}", cast.expert, json={"body": "Rewritten by someone else."}), 403)
    assert api.patch(f"/questions/{qid}", cast.moderator, json={"body": "Moderator's edit of body."}
                     ).get_json()["body"] == "Moderator's edit of body."
    assert_problem(api.patch(f"/questions/{qid}", cast.asker, json={"title": "x"}), 422, "title")
    assert api.get(f"/questions/{qid}/revisions?per_page=1&page=3").get_json()["items"][0]["number"] == 1


def test_delete_and_undelete(api, cast):
    qid = cast.public.id
    assert_problem(api.delete(f"/questions/{qid}", cast.expert), 403)
    assert api.delete(f"/questions/{qid}", cast.asker).status_code == 204
    assert_problem(api.get(f"/questions/{qid}"), 404)
    assert qid not in ids(api.get("/questions", cast.moderator))
    assert api.get(f"/questions/{qid}", cast.asker).get_json()["is_deleted"] is True
    restored = api.post(f"/questions/{qid}/undelete", cast.asker)
    assert restored.status_code == 200 and restored.get_json()["is_deleted"] is False
    assert api.get(f"/questions/{qid}").status_code == 200


# --- close, reopen, duplicate -----------------------------------------------------------

def test_close_and_reopen_by_moderators(api, cast):
    qid = cast.public.id
    assert_problem(api.post(f"/questions/{qid}/close", cast.asker, json={"reason": "off_topic"}), 403)
    assert_problem(api.post(f"/questions/{qid}/close", cast.moderator, json={"reason": "bored"}), 422, "reason")
    assert_problem(api.post(f"/questions/{qid}/close", cast.moderator, json={"reason": 3}), 400, "reason")
    body = api.post(f"/questions/{qid}/close", cast.moderator,
                    json={"reason": "off_topic", "note": "Ask the bank."}).get_json()
    assert (body["is_closed"], body["close_reason"], body["close_note"]) == (True, "off_topic", "Ask the bank.")
    assert body["closed_at"].endswith("Z")
    assert_problem(api.post(f"/questions/{qid}/close", cast.moderator, json={"reason": "unclear"}), 409)
    assert_problem(api.post(f"/questions/{qid}/answers", cast.expert, json={"body": "Late answer here."}), 409)
    reopened = api.post(f"/questions/{qid}/reopen", cast.moderator).get_json()
    assert (reopened["is_closed"], reopened["close_reason"]) == (False, None)
    assert_problem(api.post(f"/questions/{qid}/reopen", cast.moderator), 409)
    assert api.post(f"/questions/{qid}/answers", cast.expert, json={"body": "Now it is open."}).status_code == 201


def test_close_as_duplicate(api, cast):
    dup = api.post("/questions", cast.customer, json={**NEW, "tags": ["cards"]}).get_json()
    path = f"/questions/{dup['id']}/close"
    assert_problem(api.post(path, cast.moderator, json={"reason": "duplicate"}), 422, "duplicate_of")
    assert_problem(api.post(path, cast.moderator, json={"reason": "duplicate", "duplicate_of": 999999}),
                   422, "duplicate_of")
    assert_problem(api.post(path, cast.moderator, json={"reason": "duplicate", "duplicate_of": dup["id"]}),
                   422, "duplicate_of")
    assert_problem(api.post(path, cast.moderator, json={"reason": "unclear", "duplicate_of": cast.public.id}),
                   422, "duplicate_of")
    body = api.post(path, cast.moderator, json={"reason": "duplicate", "duplicate_of": cast.public.id}).get_json()
    assert (body["duplicate_of_id"], body["duplicate_of"]["id"]) == (cast.public.id, cast.public.id)


def test_closing_a_hidden_question_is_404_whatever_the_body(api, cast):
    path = f"/questions/{cast.internal.id}/close"
    for body in ({"reason": "duplicate", "duplicate_of": 999999}, {"reason": "off_topic"}):
        assert_problem(api.post(path, cast.customer, json=body), 404)


def test_duplicate_of_a_hidden_question_does_not_leak_its_id(api, cast):
    dup = api.post("/questions", cast.customer, json={**NEW, "tags": ["cards"]}).get_json()
    api.post(f"/questions/{dup['id']}/close", cast.moderator,
             json={"reason": "duplicate", "duplicate_of": cast.internal.id})
    assert api.get(f"/questions/{dup['id']}", cast.staff).get_json()["duplicate_of_id"] == cast.internal.id
    public_view = api.get(f"/questions/{dup['id']}").get_json()
    assert public_view["close_reason"] == "duplicate"
    assert public_view["duplicate_of_id"] is None and public_view["duplicate_of"] is None


# --- comments on questions --------------------------------------------------------------

def test_comment_on_question(api, cast):
    qid = cast.public.id
    grant_points(cast.customer, 50)  # comments on others' posts
    response = api.post(f"/questions/{qid}/comments", cast.customer, json={"body": "Which card *type*?"})
    assert response.status_code == 201
    comment = response.get_json()
    assert comment["question_id"] == qid and comment["answer_id"] is None
    assert comment["body_html"] == "<p>Which card <em>type</em>?</p>\n"
    assert response.headers["Location"] == f"http://localhost/api/v1/comments/{comment['id']}"
    assert api.get(f"/questions/{qid}").get_json()["comments"][0]["id"] == comment["id"]
    assert_problem(api.post(f"/questions/{qid}/comments", cast.customer, json={"body": "x"}), 422, "body")
    assert_problem(api.post(f"/questions/{qid}/comments", json={"body": "Anonymous?"}), 401)
