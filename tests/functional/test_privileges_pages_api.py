"""Privileges by points through the pages and the API: refusals say why and how many points are
missing (403 problem+json with errors.privilege; on pages next to the form, which keeps its text),
and /privileges lists the thresholds."""
from __future__ import annotations

import html as html_lib

import pytest
from flask_babel import force_locale, gettext
from forum_pages_support import answer, ask, field_error, sign_in, text
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)

from app.extensions import db
from app.forum.models import Answer, Comment, Question
from factories import grant_points


def _url(q: Question) -> str:
    return f"/questions/{q.id}/{q.slug}"


@pytest.fixture
def thread(make_user):
    asker, expert = make_user("staff", name="asker"), make_user("expert", name="expert")
    question = ask(asker)
    return question, answer(question, expert), asker, expert


# --- API ---------------------------------------------------------------------------------------

def test_api_vote_down_needs_points_and_up_does_not(api, cast):
    path = f"/questions/{cast.public.id}/vote"
    body = assert_problem(api.post(path, cast.customer, json={"value": -1}), 403, "privilege")
    assert body["errors"]["privilege"] == "Vote down needs 125 points. You have 0: 125 more to go."
    assert api.post(path, cast.customer, json={"value": 1}).get_json() == {"score": 1, "my_vote": 1}
    grant_points(cast.customer, 125)
    assert api.post(path, cast.customer, json={"value": -1}).get_json() == {"score": -1, "my_vote": -1}
    # A moderator needs no points; withdrawing a downvote needs none either.
    assert api.post(path, cast.moderator, json={"value": -1}).get_json()["score"] == -2
    assert api.post(path, cast.customer, json={"value": 0}).get_json()["score"] == -1


def test_api_comment_everywhere_but_own_posts_and_answers_to_own_questions(api, db, cast):
    reply = answer(cast.public, cast.expert)
    body = assert_problem(api.post(f"/questions/{cast.public.id}/comments", cast.customer,
                                   json={"body": "Which card type?"}), 403, "privilege")
    assert "50 more to go" in body["detail"]
    # The asker comments on their question and on answers to it; the answerer on their answer.
    assert api.post(f"/questions/{cast.public.id}/comments", cast.asker, json={"body": "Any card."}).status_code == 201
    assert api.post(f"/answers/{reply.id}/comments", cast.asker, json={"body": "Thanks!"}).status_code == 201
    assert api.post(f"/answers/{reply.id}/comments", cast.expert, json={"body": "Welcome."}).status_code == 201
    assert_problem(api.post(f"/answers/{reply.id}/comments", cast.staff, json={"body": "Me too"}), 403, "privilege")
    assert api.post(f"/answers/{reply.id}/comments", cast.moderator, json={"body": "Noted."}).status_code == 201
    assert db.session.query(Comment).count() == 4


def test_api_edit_others_and_retag(api, db, cast):
    qid, editor = cast.public.id, cast.staff
    retag = {"tags": ["cards", "pin"]}
    assert_problem(api.patch(f"/questions/{qid}", editor, json={"body": "Rewritten by someone else."}),
                   403, "privilege")
    assert_problem(api.patch(f"/questions/{qid}", editor, json=retag), 403, "privilege")
    grant_points(editor, 500)   # retag, not yet edit
    assert_problem(api.patch(f"/questions/{qid}", cast.customer, json=retag), 403, "privilege")
    assert api.patch(f"/questions/{qid}", editor, json={"tags": ["cards"]}).status_code == 200
    body = assert_problem(api.patch(f"/questions/{qid}", editor, json={"title": "A better title for this one"}),
                          403, "privilege")
    assert "Edit others' posts needs 2000 points. You have 500: 1500 more to go." == body["detail"]
    # Who may see a question is its author's and the moderators' decision, whatever the points.
    grant_points(editor, 1500)
    assert_problem(api.patch(f"/questions/{qid}", editor, json={"visibility": "internal"}), 403)
    assert api.patch(f"/questions/{qid}", editor, json={"title": "A better title for this one"}).status_code == 200
    reply = answer(cast.public, cast.expert)
    assert api.patch(f"/answers/{reply.id}", editor, json={"body": "Improved by a trusted editor."}).status_code == 200
    assert db.session.get(Answer, reply.id).body_md == "Improved by a trusted editor."


def test_api_close_and_reopen_by_points(api, cast):
    qid = cast.public.id
    assert_problem(api.post(f"/questions/{qid}/close", cast.expert, json={"reason": "unclear"}), 403, "privilege")
    grant_points(cast.expert, 3000)
    assert api.post(f"/questions/{qid}/close", cast.expert, json={"reason": "unclear"}).status_code == 200
    assert api.post(f"/questions/{qid}/reopen", cast.expert).status_code == 200


# --- pages -------------------------------------------------------------------------------------

def test_vote_down_refusal_is_flashed_on_the_question(client, thread, make_user):
    question, reply, *_ = thread
    sign_in(client, make_user("customer"))
    response = client.post(f"/answers/{reply.id}/vote", data={"value": "-1"}, follow_redirects=True)
    assert "Vote down needs 125 points. You have 0: 125 more to go." in text(response)
    assert db.session.get(Answer, reply.id).score == 0


def test_comment_refusal_is_next_to_the_box_which_keeps_the_text(client, thread, make_user):
    question, reply, *_ = thread
    sign_in(client, make_user("customer"))
    response = client.post(f"/answers/{reply.id}/comments", data={"body": "Does this work for debit cards?"})
    page = text(response)
    assert response.status_code == 422
    assert field_error(page, f"comment-a-{reply.id}") == \
        "Comment everywhere needs 50 points. You have 0: 50 more to go."
    assert "Does this work for debit cards?</textarea>" in page
    assert db.session.query(Comment).count() == 0


def test_edit_pages_for_others(client, thread, make_user):
    question, reply, asker, expert = thread
    editor = make_user("staff")
    sign_in(client, editor)
    refused = client.get(f"/answers/{reply.id}/edit")
    assert refused.status_code == 403 and "Edit others" in html_lib.unescape(text(refused))
    assert "Edit</a>" not in text(client.get(_url(question)))
    grant_points(editor, 500)   # retag only
    page = text(client.get(_url(question)))
    assert f'href="/questions/{question.id}/edit"' in page and f'href="/answers/{reply.id}/edit"' not in page
    form = {"title": question.title, "body": "A body rewritten by someone else entirely.", "tags": "cards",
            "visibility": question.visibility, "comment": ""}
    response = client.post(f"/questions/{question.id}/edit", data=form)
    assert response.status_code == 422
    assert "Edit others' posts needs 2000 points. You have 500: 1500 more to go." in html_lib.unescape(text(response))
    assert "A body rewritten by someone else entirely.</textarea>" in text(response)
    form.update(body=question.body_md, tags="cards pin-reset")
    assert client.post(f"/questions/{question.id}/edit", data=form).status_code == 303
    assert db.session.get(Question, question.id).tag_names == ["cards", "pin-reset"]


def test_close_panel_for_privileged_users(client, thread, make_user):
    question, *_ = thread
    closer = make_user("expert", points=3000)
    sign_in(client, closer)
    assert 'id="moderation"' in text(client.get(_url(question)))
    response = client.post(f"/questions/{question.id}/close", data={"reason": "unclear"}, follow_redirects=True)
    assert "The question is closed." in text(response)
    assert db.session.get(Question, question.id).is_closed


def test_privileges_page_anonymous_and_signed_in(client, make_user):
    page = html_lib.unescape(text(client.get("/privileges")))
    for label in ("Vote down", "Comment everywhere", "Edit others' posts", "Close and reopen questions"):
        assert label in page
    assert "Log in to see which privileges you have." in page
    sign_in(client, make_user("staff", points=130))
    page = text(client.get("/privileges"))
    assert "You have 130 points." in page
    assert "370 points to go" in page                     # retag at 500
    row = page.split('id="privilege-vote_down"')[1].split("</tr>")[0]
    assert "Yes" in row


def test_privileges_page_in_chinese(client, make_user, app):
    sign_in(client, make_user("moderator"))
    response = client.get("/privileges", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    page = text(response)
    with app.test_request_context(), force_locale("zh_CN"):
        title, role = gettext("Privileges"), gettext("Yes, as a moderator")
    # The catalog's Chinese once merged (until then the English msgid): whichever it is, shown.
    assert title in page and role in page
    assert 'lang="zh' in page
