"""API: GET /api/v1/users/<id>/points, the ledger as each viewer may see it."""
from __future__ import annotations

import pytest
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)

from app.forum import services

ITEM_KEYS = {"id", "amount", "reason", "label", "question_id", "answer_id", "is_hidden", "created_at",
             "reverses_id", "rule_version", "note"}


@pytest.fixture
def ledger(api, db, cast):
    """cast.member answers the public and the team question; votes and an accept go through
    the API. Returns the two answers."""
    public_answer = services.post_answer(db.session, cast.public, body="Use the PIN reset screen.",
                                         by=cast.member)
    team_answer = services.post_answer(db.session, cast.team_q, body="Escalate to the cards desk.",
                                       by=cast.member)
    db.session.commit()
    for path, user, value in [(f"/answers/{public_answer.id}/vote", cast.staff, 1),
                              (f"/answers/{public_answer.id}/vote", cast.staff, 0),  # retracted
                              (f"/answers/{public_answer.id}/vote", cast.expert, 1),
                              (f"/answers/{team_answer.id}/vote", cast.asker, 1)]:
        assert api.post(path, user, json={"value": value}).status_code == 200
    assert api.post(f"/answers/{public_answer.id}/accept", cast.asker).status_code == 200
    return public_answer, team_answer


def test_shape_order_and_totals(api, cast, ledger):
    public_answer, _ = ledger
    body = api.get(f"/users/{cast.member.id}/points", cast.member).get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"]) == (5, 1, 20)
    items = body["items"]
    assert all(set(item) == ITEM_KEYS and item["created_at"].endswith("Z") for item in items)
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)  # newest first
    assert [(i["reason"], i["amount"]) for i in items] == [
        ("answer_accepted", 15), ("answer_upvoted", 10), ("answer_upvoted", 10), ("answer_upvoted", -10),
        ("answer_upvoted", 10)]
    assert items[0]["label"] == "Answer accepted"
    reversal = items[3]
    assert reversal["reverses_id"] == items[4]["id"] and items[4]["reverses_id"] is None
    assert {i["answer_id"] for i in items} == {public_answer.id, ledger[1].id}
    assert api.get(f"/users/{cast.member.id}", cast.member).get_json()["points"] == \
        sum(i["amount"] for i in items) == 35
    # An anonymous visitor's total counts public activity only (the +10 on the team answer is out).
    assert api.get(f"/users/{cast.member.id}").get_json()["points"] == 25


@pytest.mark.parametrize("who, sees_team_entry", [
    (None, False), ("customer", False), ("staff", False), ("member", True), ("moderator", True)])
def test_entries_on_hidden_questions_keep_their_amount_but_lose_their_ids(api, cast, ledger, who,
                                                                          sees_team_entry):
    _, team_answer = ledger
    items = api.get(f"/users/{cast.member.id}/points", getattr(cast, who) if who else None).get_json()["items"]
    team_entry = items[1]  # the asker's upvote on the team answer (second newest)
    assert team_entry["amount"] == 10 and team_entry["is_hidden"] is not sees_team_entry
    if sees_team_entry:
        assert (team_entry["question_id"], team_entry["answer_id"]) == (cast.team_q.id, team_answer.id)
    else:
        assert team_entry["question_id"] is None and team_entry["answer_id"] is None
    # Nothing else is hidden, and the list still adds up to the public total.
    assert [i["is_hidden"] for i in items].count(True) == (0 if sees_team_entry else 1)
    assert sum(i["amount"] for i in items) == 35


def test_paging(api, cast, ledger):
    first = api.get(f"/users/{cast.member.id}/points", query_string={"per_page": 2}).get_json()
    second = api.get(f"/users/{cast.member.id}/points", query_string={"per_page": 2, "page": 2}).get_json()
    assert (first["total"], len(first["items"]), len(second["items"]), second["page"]) == (5, 2, 2, 2)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert_problem(api.get(f"/users/{cast.member.id}/points", query_string={"page": "x"}), 400, "page")


def test_unknown_users_are_404_and_a_user_without_entries_is_empty(api, cast):
    assert_problem(api.get("/users/999999/points"), 404)
    assert_problem(api.get(f"/users/{10**30}/points"), 404)
    assert api.get(f"/users/{cast.customer.id}/points").get_json() == {
        "items": [], "total": 0, "page": 1, "per_page": 20}


def test_openapi_describes_the_route_and_its_items(api, cast, ledger):
    doc = api.get("/openapi.json").get_json()
    assert doc["paths"]["/users/{user_id}/points"]["get"]["operationId"] == "list_user_points"
    assert set(doc["components"]["schemas"]["PointsEntry"]["properties"]) == ITEM_KEYS
