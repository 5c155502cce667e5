"""Bounty pages (offer form, award button, /bounties, the list's mark) and the API, en and zh_CN."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.forum.urls import question_url
from app.points.bounty_models import Bounty
from factories import answer, ask, sign_in
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)
from tests.integration.bounty_helpers import grant, points


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def people(db, make_user):
    asker, helper = make_user("staff"), make_user("staff")
    grant(asker, 200)
    question = ask(asker)
    return type("People", (), {"asker": asker, "helper": helper, "question": question})


def test_offer_form_is_labelled_and_keeps_the_typed_amount_on_errors(client, people):
    sign_in(client, people.asker)
    page = text(client.get(question_url(people.question)))
    assert 'for="bounty-amount"' in page and "Offer a bounty" in page
    response = client.post(f"/questions/{people.question.id}/bounty", data={"amount": "30"})
    assert response.status_code == 422
    body = text(response)
    assert 'value="30"' in body and "A bounty is at least 50 points." in body and 'aria-invalid="true"' in body
    response = client.post(f"/questions/{people.question.id}/bounty", data={"amount": "lots"})
    assert response.status_code == 422 and 'value="lots"' in text(response)
    response = client.post(f"/questions/{people.question.id}/bounty", data={"amount": "999"})
    assert response.status_code == 422 and "more points than you have" in text(response)
    assert points(people.asker) == 200


def test_offer_then_award_from_the_pages(client, people):
    reply = answer(people.question, people.helper)
    sign_in(client, people.asker)
    response = client.post(f"/questions/{people.question.id}/bounty", data={"amount": "75"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#bounty")
    assert points(people.asker) == 125
    page = text(client.get(question_url(people.question)))
    assert "Bounty: 75 points" in page and "has-bounty" in page and "Award bounty (75 points)" in page
    listing = text(client.get("/questions"))
    assert "+75 bounty" in listing
    assert people.question.title in text(client.get("/bounties"))
    bounty = db.session.query(Bounty).one()
    response = client.post(f"/bounties/{bounty.id}/award", data={"answer_id": "abc"})
    assert response.status_code == 303 and points(people.helper) == 0
    response = client.post(f"/bounties/{bounty.id}/award", data={"answer_id": str(reply.id)})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#answer-{reply.id}")
    assert points(people.helper) == 75
    assert "+75 bounty" not in text(client.get("/questions"))


def test_others_see_the_bounty_but_no_award_button(client, people):
    reply = answer(people.question, people.helper)
    sign_in(client, people.asker)
    client.post(f"/questions/{people.question.id}/bounty", data={"amount": "60"})
    sign_in(client, people.helper)
    page = text(client.get(question_url(people.question)))
    assert "Bounty: 60 points" in page and "Award bounty" not in page and "Offer a bounty" not in page
    bounty = db.session.query(Bounty).one()
    assert client.post(f"/bounties/{bounty.id}/award", data={"answer_id": str(reply.id)}).status_code == 403
    assert points(people.helper) == 0


def test_anonymous_visitors_are_sent_to_log_in(client, people):
    assert "Offer a bounty" not in text(client.get(question_url(people.question)))
    response = client.post(f"/questions/{people.question.id}/bounty", data={"amount": "60"})
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_pages_in_chinese(client, people):
    client.post("/language", data={"locale": "zh_CN"})
    sign_in(client, people.asker)
    page = text(client.get(question_url(people.question)))
    assert '<html lang="zh-CN">' in page and 'id="bounty-amount"' in page
    response = client.get("/bounties")
    assert response.status_code == 200 and '<html lang="zh-CN">' in text(response)


# --- the API -----------------------------------------------------------------------------------

def test_api_offer_list_award(api, cast):
    grant(cast.asker, 300)
    reply = answer(cast.public, cast.staff)
    response = api.post(f"/questions/{cast.public.id}/bounty", cast.asker, json={"amount": 120})
    assert response.status_code == 201, response.get_json()
    bounty = response.get_json()
    assert bounty["amount"] == 120 and bounty["status"] == "open" and response.headers["Location"]
    assert set(bounty) == {"id", "question_id", "question_title", "offerer", "amount", "status", "created_at",
                           "expires_at", "answer_id", "awarded_to_id"}
    listed = api.get("/bounties").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == bounty["id"]
    assert_problem(api.post(f"/bounties/{bounty['id']}/award", cast.staff, json={"answer_id": reply.id}), 403)
    done = api.post(f"/bounties/{bounty['id']}/award", cast.asker, json={"answer_id": reply.id})
    assert done.status_code == 200 and done.get_json()["status"] == "awarded"
    assert done.get_json()["awarded_to_id"] == cast.staff.id
    assert_problem(api.post(f"/bounties/{bounty['id']}/award", cast.asker, json={"answer_id": reply.id}), 409)
    assert api.get("/bounties").get_json()["total"] == 0


def test_api_bad_input_is_a_problem_never_a_500(api, cast):
    grant(cast.asker, 100)
    path = f"/questions/{cast.public.id}/bounty"
    assert_problem(api.post(path, None, json={"amount": 60}), 401)
    assert_problem(api.post(path, cast.asker, json={"amount": "sixty"}), 400, "amount")
    assert_problem(api.post(path, cast.asker, json={"amount": 60, "extra": 1}), 400, "extra")
    assert_problem(api.post(path, cast.asker, json={"amount": 10}), 422, "amount")
    assert_problem(api.post(path, cast.asker, json={"amount": 101}), 422, "amount")
    assert_problem(api.post(path, cast.asker, json={}), 422, "amount")
    assert_problem(api.post(f"/questions/{cast.team_q.id}/bounty", cast.customer, json={"amount": 60}), 404)
    assert_problem(api.post("/bounties/999/award", cast.asker, json={"answer_id": 1}), 404)
    assert_problem(api.get("/bounties?page=x"), 400)


def test_api_lists_only_bounties_the_caller_may_see(api, cast):
    grant(cast.asker, 300)
    assert api.post(f"/questions/{cast.team_q.id}/bounty", cast.asker, json={"amount": 50}).status_code == 201
    assert api.get("/bounties", cast.member).get_json()["total"] == 1
    assert api.get("/bounties", cast.customer).get_json()["total"] == 0
    assert api.get("/bounties").get_json()["total"] == 0


def test_openapi_documents_the_bounty_routes(api, cast):
    doc = api.get("/openapi.json").get_json()
    assert doc["paths"]["/questions/{question_id}/bounty"]["post"]["responses"].get("201")
    assert "/bounties" in doc["paths"] and "/bounties/{bounty_id}/award" in doc["paths"]
    assert "Bounty" in doc["components"]["schemas"]
