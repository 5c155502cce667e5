"""API: answers, accepting, votes and comments."""
from __future__ import annotations

import pytest
from factories import grant_points  # noqa: E402  (privileges are earned by points)
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)

from app.forum import services

ANSWER_KEYS = {"id", "question_id", "author", "score", "is_accepted", "body", "body_html", "created_at",
               "updated_at", "is_deleted", "my_vote", "comments", "source_url", "source_author"}


@pytest.fixture
def answered(db, cast):
    """cast.public with answers by the expert (a1) and the moderator (a2)."""
    cast.a1 = services.post_answer(db.session, cast.public, body="Use the IVR, option 3.", by=cast.expert)
    cast.a2 = services.post_answer(db.session, cast.public, body="Visit a branch with ID.", by=cast.moderator)
    db.session.commit()
    return cast


def test_post_answer(api, cast):
    qid = cast.public.id
    response = api.post(f"/questions/{qid}/answers", cast.expert, json={"body": "Call the **hotline**."})
    assert response.status_code == 201
    answer = response.get_json()
    assert set(answer) == ANSWER_KEYS
    assert response.headers["Location"] == f"http://localhost/api/v1/answers/{answer['id']}"
    assert (answer["question_id"], answer["body"], answer["score"], answer["is_accepted"]) == (
        qid, "Call the **hotline**.", 0, False)
    assert answer["body_html"] == "<p>Call the <strong>hotline</strong>.</p>\n"
    assert answer["author"]["id"] == cast.expert.id
    question = api.get(f"/questions/{qid}").get_json()
    assert question["answer_count"] == 1 and question["answers"][0]["id"] == answer["id"]
    assert_problem(api.post(f"/questions/{qid}/answers", cast.expert, json={"body": "short"}), 422, "body")
    assert_problem(api.post(f"/questions/{qid}/answers", cast.expert, json={}), 422, "body")
    assert_problem(api.post(f"/questions/{qid}/answers", cast.expert, json={"body": ["x"]}), 400, "body")
    assert_problem(api.post("/questions/424242/answers", cast.expert, json={"body": "Nowhere to go."}), 404)


def test_get_answer_follows_question_visibility(api, db, cast):
    answer = services.post_answer(db.session, cast.team_q, body="Escalate to the duty lead.", by=cast.member)
    db.session.commit()
    assert api.get(f"/answers/{answer.id}", cast.member).get_json()["body"] == "Escalate to the duty lead."
    assert api.get(f"/answers/{answer.id}", cast.admin).status_code == 200
    for outsider in (None, cast.customer, cast.staff):
        assert_problem(api.get(f"/answers/{answer.id}", outsider), 404)
    assert_problem(api.get("/answers/999999"), 404)


def test_edit_answer(api, answered):
    aid = answered.a1.id
    body = api.patch(f"/answers/{aid}", answered.expert,
                     json={"body": "Use the IVR, option 4 since May.", "comment": "menu changed"}).get_json()
    assert body["body"] == "Use the IVR, option 4 since May." and body["updated_at"].endswith("Z")
    revisions = api.get(f"/answers/{aid}/revisions").get_json()
    assert [(r["number"], r["comment"]) for r in revisions["items"]] == [(2, "menu changed"), (1, "")]
    assert revisions["items"][0]["title"] is None
    # No body: nothing changes, no new revision.
    assert api.patch(f"/answers/{aid}", answered.expert, json={}).status_code == 200
    assert api.get(f"/answers/{aid}/revisions").get_json()["total"] == 2
    assert_problem(api.patch(f"/answers/{aid}", answered.customer, json={"body": "Hijacked answer!"}), 403)
    assert_problem(api.patch(f"/answers/{aid}", answered.expert, json={"body": "tiny"}), 422, "body")
    assert_problem(api.patch(f"/answers/{aid}", json={"body": "Anonymous edit."}), 401)


def test_delete_and_undelete_answer(api, answered):
    aid, qid = answered.a1.id, answered.public.id
    assert_problem(api.delete(f"/answers/{aid}", answered.customer), 403)
    assert api.delete(f"/answers/{aid}", answered.expert).status_code == 204
    assert_problem(api.get(f"/answers/{aid}"), 404)
    assert [a["id"] for a in api.get(f"/questions/{qid}").get_json()["answers"]] == [answered.a2.id]
    assert api.get(f"/questions/{qid}").get_json()["answer_count"] == 1
    assert api.get(f"/answers/{aid}", answered.expert).get_json()["is_deleted"] is True
    restored = api.post(f"/answers/{aid}/undelete", answered.expert).get_json()
    assert restored["is_deleted"] is False
    assert api.get(f"/questions/{qid}").get_json()["answer_count"] == 2


def test_accept_switch_and_unaccept(api, answered):
    a1, a2, qid = answered.a1.id, answered.a2.id, answered.public.id
    assert_problem(api.post(f"/answers/{a1}/accept", answered.customer), 403)
    assert_problem(api.post(f"/answers/{a1}/accept"), 401)
    question = api.post(f"/answers/{a1}/accept", answered.asker).get_json()
    assert question["id"] == qid and question["accepted_answer_id"] == a1
    assert [(a["id"], a["is_accepted"]) for a in question["answers"]] == [(a1, True), (a2, False)]
    again = api.post(f"/answers/{a1}/accept", answered.asker).get_json()  # no-op
    assert again["accepted_answer_id"] == a1
    switched = api.post(f"/answers/{a2}/accept", answered.asker).get_json()
    assert switched["accepted_answer_id"] == a2 and switched["answers"][0]["id"] == a2
    # Un-accepting an answer that is not the accepted one changes nothing.
    assert api.delete(f"/answers/{a1}/accept", answered.asker).get_json()["accepted_answer_id"] == a2
    assert_problem(api.delete(f"/answers/{a2}/accept", answered.expert), 403)
    cleared = api.delete(f"/answers/{a2}/accept", answered.moderator).get_json()
    assert cleared["accepted_answer_id"] is None
    assert not any(a["is_accepted"] for a in cleared["answers"])


def test_vote_set_switch_retract_and_idempotency(api, answered):
    path, voter = f"/answers/{answered.a1.id}/vote", grant_points(answered.customer, 125)  # votes down
    assert api.post(path, voter, json={"value": 1}).get_json() == {"score": 1, "my_vote": 1}
    assert api.post(path, voter, json={"value": 1}).get_json() == {"score": 1, "my_vote": 1}
    assert api.post(path, answered.staff, json={"value": 1}).get_json() == {"score": 2, "my_vote": 1}
    assert api.post(path, voter, json={"value": -1}).get_json() == {"score": 0, "my_vote": -1}
    assert api.post(path, voter, json={"value": 0}).get_json() == {"score": 1, "my_vote": 0}
    assert api.post(path, voter, json={"value": 0}).get_json() == {"score": 1, "my_vote": 0}
    answer = api.get(f"/answers/{answered.a1.id}", answered.staff).get_json()
    assert (answer["score"], answer["my_vote"]) == (1, 1)


def test_question_votes_and_my_vote(api, cast):
    path = f"/questions/{cast.public.id}/vote"
    grant_points(cast.expert, 125)  # voting down is a privilege
    assert api.post(path, cast.expert, json={"value": -1}).get_json() == {"score": -1, "my_vote": -1}
    assert api.get(f"/questions/{cast.public.id}", cast.expert).get_json()["my_vote"] == -1
    assert api.get(f"/questions/{cast.public.id}").get_json()["my_vote"] == 0
    assert api.get("/questions").get_json()["items"][0]["score"] == -1


def test_vote_errors(api, answered):
    path = f"/answers/{answered.a1.id}/vote"
    assert_problem(api.post(path, answered.expert, json={"value": 1}), 403)  # own answer
    for bad in ("1", True, 1.0, None, [1], {"v": 1}):
        status = 422 if bad is None else 400
        assert_problem(api.post(path, answered.customer, json={"value": bad}), status, "value")
    assert_problem(api.post(path, answered.customer, json={"value": 2}), 422, "value")
    assert_problem(api.post(path, answered.customer, json={}), 422, "value")
    assert_problem(api.post(path, answered.customer, json={"value": 1, "extra": 1}), 400, "extra")
    assert_problem(api.post(path, json={"value": 1}), 401)
    assert api.get(f"/answers/{answered.a1.id}").get_json()["score"] == 0


def test_comments_on_answers_read_and_delete(api, answered):
    aid = answered.a1.id
    grant_points(answered.customer, 50)  # comments on others' posts
    response = api.post(f"/answers/{aid}/comments", answered.customer, json={"body": "Worked, thanks!"})
    assert response.status_code == 201
    comment = response.get_json()
    assert (comment["answer_id"], comment["question_id"], comment["body"]) == (aid, None, "Worked, thanks!")
    assert api.get(f"/answers/{aid}").get_json()["comments"][0]["id"] == comment["id"]
    question = api.get(f"/questions/{answered.public.id}").get_json()
    assert [c["id"] for a in question["answers"] for c in a["comments"]] == [comment["id"]]
    assert api.get(f"/comments/{comment['id']}").get_json() == comment
    assert_problem(api.delete(f"/comments/{comment['id']}", answered.staff), 403)
    assert api.delete(f"/comments/{comment['id']}", answered.customer).status_code == 204
    assert_problem(api.get(f"/comments/{comment['id']}"), 404)


def test_comment_on_hidden_post_is_404(api, db, cast):
    answer = services.post_answer(db.session, cast.internal, body="Refund limit is in the handbook.",
                                  by=cast.staff)
    comment = services.post_comment(db.session, answer, body="Which chapter?", by=grant_points(cast.expert, 50))  # comments on others' posts
    db.session.commit()
    assert_problem(api.post(f"/answers/{answer.id}/comments", cast.customer, json={"body": "Let me see"}), 404)
    assert_problem(api.get(f"/comments/{comment.id}", cast.customer), 404)
    assert_problem(api.get(f"/answers/{answer.id}/revisions"), 404)
    assert api.get(f"/comments/{comment.id}", cast.staff).get_json()["body"] == "Which chapter?"
