"""The forum's HTML form posts, without JavaScript: answer, comment, vote, accept, close,
duplicate, delete; redirects back with a message; typed text kept on error; no open redirects."""
from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from forum_pages_support import answer, ask, field_error, sign_in, text

from app.extensions import db
from app.forum.models import Answer, Comment, Question, Vote



@pytest.fixture
def people(make_user):
    # Privileges by points: the voter may vote down, the expert and "other" comment on others' posts.
    return {"asker": make_user("staff"), "expert": make_user("expert", points=50),
            "voter": make_user("staff", points=125), "mod": make_user("moderator"),
            "other": make_user("staff", points=50)}


@pytest.fixture
def question(people):
    return ask(people["asker"])


def _url(q: Question) -> str:
    return f"/questions/{q.id}/{quote(q.slug)}"


def _reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def test_answer_flow(client, people, question):
    sign_in(client, people["expert"])
    response = client.post(f"/questions/{question.id}/answers", data={"body": "Use the IVR, option 3."})
    posted = db.session.query(Answer).one()
    assert response.status_code == 303
    assert response.headers["Location"] == f"{_url(question)}#answer-{posted.id}"
    page = text(client.get(response.headers["Location"]))
    assert "Your answer was posted" in page and "Use the IVR, option 3." in page


def test_answer_invalid_keeps_the_text_and_shows_the_message(client, people, question):
    sign_in(client, people["expert"])
    response = client.post(f"/questions/{question.id}/answers", data={"body": "<i>short"})
    html = text(response)
    assert response.status_code == 422
    assert "&lt;i&gt;short</textarea>" in html
    assert field_error(html, "answer-body") == "Please write at least 10 characters."
    assert question.title in html and db.session.query(Answer).count() == 0


def test_answer_on_a_closed_question_is_refused_with_a_message(client, people, question):
    sign_in(client, people["mod"])
    client.post(f"/questions/{question.id}/close", data={"reason": "off_topic"})
    sign_in(client, people["expert"])
    response = client.post(f"/questions/{question.id}/answers", data={"body": "A late but long answer."},
                           follow_redirects=True)
    assert "closed and takes no new answers" in text(response)
    assert db.session.query(Answer).count() == 0


def test_comment_flow_on_question_and_answer(client, people, question):
    reply = answer(question, people["expert"])
    sign_in(client, people["other"])
    for url in (f"/questions/{question.id}/comments", f"/answers/{reply.id}/comments"):
        response = client.post(url, data={"body": "Which card type was it?"})
        comment = db.session.query(Comment).order_by(Comment.id.desc()).first()
        assert response.status_code == 303 and response.headers["Location"].endswith(f"#comment-{comment.id}")
    page = text(client.get(_url(question)))
    assert page.count("Which card type was it?") == 2 and "Your comment was added" in page


def test_comment_invalid_reopens_its_form_with_the_text(client, people, question):
    reply = answer(question, people["expert"])
    sign_in(client, people["other"])
    response = client.post(f"/answers/{reply.id}/comments", data={"body": "x"})
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, f"comment-a-{reply.id}") == "A comment has 2 to 1000 characters."
    assert '<details class="comment-add" open>' in html and ">x</textarea>" in html


def test_comment_delete(client, people, question):
    sign_in(client, people["other"])
    client.post(f"/questions/{question.id}/comments", data={"body": "Wrong thread, sorry."})
    comment = db.session.query(Comment).one()
    response = client.post(f"/comments/{comment.id}/delete")
    assert response.status_code == 303
    assert "Wrong thread, sorry." not in text(client.get(_url(question)))
    sign_in(client, people["expert"])
    client.post(f"/questions/{question.id}/comments", data={"body": "Someone else's comment."})
    sign_in(client, people["other"])
    other = db.session.query(Comment).order_by(Comment.id.desc()).first()
    assert client.post(f"/comments/{other.id}/delete").status_code == 403


def test_vote_flow_up_change_and_withdraw(client, people, question):
    reply = answer(question, people["expert"])
    sign_in(client, people["voter"])
    response = client.post(f"/answers/{reply.id}/vote", data={"value": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#answer-{reply.id}")
    page = text(client.get(_url(question)))
    assert "your vote was recorded" in page
    # The pressed button now withdraws (value 0); the other one votes down.
    assert 'value="0" class="vote-btn vote-up" data-dir="1"\n            aria-pressed="true"' in page
    assert _reload(Answer, reply.id).score == 1
    client.post(f"/answers/{reply.id}/vote", data={"value": "-1"})
    assert _reload(Answer, reply.id).score == -1
    client.post(f"/answers/{reply.id}/vote", data={"value": "0"})
    assert _reload(Answer, reply.id).score == 0 and db.session.query(Vote).count() == 0
    client.post(f"/questions/{question.id}/vote", data={"value": "1"})
    assert _reload(Question, question.id).score == 1


def test_vote_errors(client, people, question):
    sign_in(client, people["asker"])
    assert client.post(f"/questions/{question.id}/vote", data={"value": "1"}).status_code == 403  # own post
    sign_in(client, people["voter"])
    assert client.post(f"/questions/{question.id}/vote", data={"value": "7"}).status_code == 422
    assert client.post(f"/questions/{question.id}/vote", data={}).status_code == 422
    assert client.post("/questions/999/vote", data={"value": "1"}).status_code == 404


def test_anonymous_post_goes_to_login_and_comes_back_to_the_page(client, question):
    response = client.post(f"/questions/{question.id}/vote", data={"value": "1"},
                           headers={"Referer": f"http://localhost{_url(question)}"})
    assert response.status_code == 303
    assert unquote(response.headers["Location"]) == f"/login?next={unquote(_url(question))}"
    assert db.session.query(Vote).count() == 0


def test_accept_and_unaccept(client, people, question):
    first, second = answer(question, people["expert"]), answer(question, people["other"], body="Another way.")
    sign_in(client, people["voter"])
    assert client.post(f"/answers/{first.id}/accept").status_code == 403  # not the asker
    sign_in(client, people["asker"])
    response = client.post(f"/answers/{first.id}/accept")
    assert response.status_code == 303 and _reload(Question, question.id).accepted_answer_id == first.id
    page = text(client.get(_url(question)))
    assert "now marked as accepted" in page and "Withdraw acceptance" in page
    client.post(f"/answers/{second.id}/accept")
    assert _reload(Question, question.id).accepted_answer_id == second.id
    client.post(f"/answers/{second.id}/unaccept")
    assert _reload(Question, question.id).accepted_answer_id is None
    sign_in(client, people["mod"])  # moderators may accept too
    client.post(f"/answers/{first.id}/accept")
    assert _reload(Question, question.id).accepted_answer_id == first.id


def test_close_and_reopen(client, people, question):
    sign_in(client, people["other"])
    refused = client.post(f"/questions/{question.id}/close", data={"reason": "unclear"}, follow_redirects=True)
    assert "Close and reopen questions needs 3000 points. You have 50: 2950 more to go." in text(refused)
    assert not _reload(Question, question.id).is_closed
    sign_in(client, people["mod"])
    bad = client.post(f"/questions/{question.id}/close", data={"reason": "", "note": "Kept note"})
    assert bad.status_code == 422 and field_error(text(bad), "reason") == "Choose a reason."
    assert "Kept note</textarea>" in text(bad) and "<details class=\"mod-panel\" id=\"moderation\" open>" in text(bad)
    assert "href=\"#moderation\"" in text(bad)
    response = client.post(f"/questions/{question.id}/close",
                           data={"reason": "unclear", "note": "Which product is this about?"})
    assert response.status_code == 303
    page = text(client.get(_url(question)))
    assert "Reason: Needs details or clarity." in page and "Which product is this about?" in page
    again = client.post(f"/questions/{question.id}/close", data={"reason": "unclear"}, follow_redirects=True)
    assert "already closed" in text(again)  # a conflict is a message, not an error page
    client.post(f"/questions/{question.id}/reopen")
    assert not _reload(Question, question.id).is_closed


def test_mark_duplicate_links_the_original(client, people, question):
    original = ask(people["other"], title="Resetting a PIN: the full procedure")
    sign_in(client, people["mod"])
    bad = client.post(f"/questions/{question.id}/duplicate", data={"duplicate_of": "/questions/999"})
    assert bad.status_code == 422
    assert field_error(text(bad), "duplicate_of") == "There is no question with this number or link."
    assert 'value="/questions/999"' in text(bad)
    response = client.post(f"/questions/{question.id}/duplicate",
                           data={"duplicate_of": f"http://localhost/questions/{original.id}/whatever"})
    assert response.status_code == 303
    page = text(client.get(_url(question)))
    assert "already has an answer here" in page and f'href="{_url(original)}"' in page
    assert _reload(Question, question.id).duplicate_of_id == original.id


def test_delete_and_undelete(client, people, question):
    reply = answer(question, people["expert"])
    sign_in(client, people["expert"])
    assert client.post(f"/answers/{reply.id}/delete").status_code == 303
    assert _reload(Answer, reply.id).is_deleted
    assert "This answer was deleted" in text(client.get(_url(question)))
    client.post(f"/answers/{reply.id}/undelete")
    assert not _reload(Answer, reply.id).is_deleted
    sign_in(client, people["asker"])
    client.post(f"/questions/{question.id}/delete")
    assert "This question was deleted" in text(client.get(_url(question)))
    sign_in(client, people["other"])
    assert client.get(_url(question)).status_code == 404
    assert client.post(f"/questions/{question.id}/undelete").status_code == 404
    sign_in(client, people["mod"])
    client.post(f"/questions/{question.id}/undelete")
    assert not _reload(Question, question.id).is_deleted


def test_edit_answer_flow(client, people, question):
    reply = answer(question, people["expert"])
    sign_in(client, people["expert"])
    bad = client.post(f"/answers/{reply.id}/edit", data={"body": "short", "comment": "fix"})
    assert bad.status_code == 422 and "short</textarea>" in text(bad)
    response = client.post(f"/answers/{reply.id}/edit",
                           data={"body": "Use the IVR menu, option 4 since May.", "comment": "Menu changed"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#answer-{reply.id}")
    assert "option 4 since May" in text(client.get(response.headers["Location"]))


OFF_SITE = ["//evil.example", "https://evil.example/x", "http:/evil.example", "/\\evil.example",
            "\\\\evil.example", "/\t/evil.example", "javascript:alert(1)", "evil.example",
            "data:text/html,<script>alert(1)</script>", " //evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_open_redirects_are_refused(client, people, question, target):
    sign_in(client, people["voter"])
    response = client.post(f"/questions/{question.id}/vote", data={"value": "1", "next": target})
    assert response.headers["Location"] == f"{_url(question)}#question"
    response = client.post("/language", data={"locale": "en", "next": target})
    assert response.headers["Location"] == "/"
    response = client.post(f"/questions/{question.id}/comments", data={"body": "fine", "next": target})
    assert response.headers["Location"].startswith(_url(question) + "#comment-")


def test_local_next_is_followed(client, people, question):
    sign_in(client, people["voter"])
    response = client.post(f"/questions/{question.id}/vote", data={"value": "1", "next": "/questions?sort=score"})
    assert response.headers["Location"] == "/questions?sort=score"


def test_language_switcher_without_javascript(client, make_user):
    response = client.post("/language", data={"locale": "zh_CN", "next": "/tags"})
    assert response.status_code == 303 and response.headers["Location"] == "/tags"
    assert '<html lang="zh-CN">' in text(client.get("/tags"))
    assert client.post("/language", data={"locale": "xx"}).status_code == 422
    user = make_user("staff")
    sign_in(client, user)
    client.post("/language", data={"locale": "zh_CN"})
    db.session.expire_all()
    assert user.locale == "zh_CN"  # remembered in the account for the next device
