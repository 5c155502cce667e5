"""Nothing about hidden content leaks through side doors (issue 8 §5): tag pages, comment
deletion, profile points totals and notification titles all follow app.forum.access."""
from __future__ import annotations

import pytest
from factories import answer, ask, comment, grant_points, sign_in, vote

from app.extensions import db, socketio
from app.forum import services
from app.notifications.services import notify


@pytest.fixture
def people(make_user):
    return {"member": make_user("staff", teams=("cards",)), "expert": make_user("expert", teams=("cards",)),
            "outsider": make_user("staff", teams=("loans",)), "customer": make_user("customer"),
            "mod": make_user("moderator")}


def test_a_tag_used_only_on_hidden_questions_is_404_to_those_who_cannot_see_them(client, people):
    ask(people["member"], title="Internal PIN reissue steps for agents", tags=("补卡",), visibility="internal")
    ask(people["member"], title="Team-only wording for a card block", tags=("cards-only",), visibility="team",
        team="cards")
    assert client.get("/tags/补卡").status_code == 404                    # anonymous
    sign_in(client, people["customer"])
    assert client.get("/tags/补卡").status_code == 404
    sign_in(client, people["outsider"])
    assert client.get("/tags/补卡").status_code == 200                    # staff see internal
    assert client.get("/tags/cards-only").status_code == 404             # not their team
    sign_in(client, people["member"])
    assert client.get("/tags/cards-only").status_code == 200
    sign_in(client, people["mod"])
    assert client.get("/tags/cards-only").status_code == 200


def test_deleting_a_comment_on_a_hidden_question_is_404_not_403(client, people, token_for):
    question = ask(people["member"], title="Team-only question with a comment", visibility="team", team="cards")
    note = comment(question, grant_points(people["expert"], 50))  # comments on others' posts
    sign_in(client, people["outsider"])
    assert client.post(f"/comments/{note.id}/delete").status_code == 404
    response = client.delete(f"/api/v1/comments/{note.id}", headers=token_for(people["outsider"]))
    assert response.status_code == 404
    sign_in(client, people["member"])  # can see it, but is not the author: a plain refusal
    assert client.post(f"/comments/{note.id}/delete").status_code == 403


def test_profile_points_count_only_what_the_viewer_may_see(client, people, make_user, token_for):
    public = ask(people["member"], title="Public question anyone may read")
    internal = ask(people["member"], title="Internal question about a fee waiver", visibility="internal")
    voter = make_user("staff")
    vote(answer(public, people["expert"]), voter)     # +10 on a public question
    vote(answer(internal, people["expert"]), voter)   # +10 on an internal one
    expert = people["expert"]
    db.session.refresh(expert)
    assert expert.points == 20

    def shown(viewer=None):
        headers = token_for(viewer) if viewer else {}
        return client.get(f"/api/v1/users/{expert.id}", headers=headers).get_json()["points"]
    assert shown() == 10                        # anonymous: public activity only
    assert shown(people["customer"]) == 10
    assert shown(people["outsider"]) == 20      # staff see internal questions
    assert shown(expert) == 20 and shown(people["mod"]) == 20
    html = client.get(f"/users/{expert.id}").get_data(as_text=True)
    # The profile's points fact links to the history: its text is the total the visitor may know.
    assert ">10</a></dd>" in html and ">20</a></dd>" not in html


def test_notification_titles_follow_the_readers_access_now(app, client, people, token_for):
    question = ask(people["member"], title="Secret wording for the cards team", visibility="internal")
    question_id, reader = question.id, people["outsider"]
    notify(db.session, reader.id, "routed", question_id=question.id, payload={"reasons": [], "rank": 1})
    db.session.commit()
    headers = token_for(reader)
    item = client.get("/api/v1/notifications", headers=headers).get_json()["items"][0]
    assert item["title"] == "Secret wording for the cards team"
    # The question becomes team-only: the reader is not in the team.
    services.edit_question(db.session, question, by=people["member"], visibility="team", team="cards")
    db.session.commit()
    item = client.get("/api/v1/notifications", headers=headers).get_json()["items"][0]
    assert item["title"] is None and item["url"] is None and item["question_id"] == question.id
    sign_in(client, reader)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Secret wording" not in html
    # No new notification is made for a reader who cannot see its subject (issue 10) ...
    assert notify(db.session, reader.id, "routed", question_id=question_id, payload={}) is None
    db.session.commit()
    # ... and the live event is resolved for its recipient at the moment of the emit: a
    # notification made while the question was visible, hidden before the emit, has no title.
    reader_id, member_id = reader.id, people["member"].id
    services.edit_question(db.session, question, by=people["member"], visibility="internal")
    db.session.commit()
    # (The socket test client shares the test's app context, and its connect handler ends the
    # session: use ids from here on.)
    sio = socketio.test_client(app, auth={"token": headers["Authorization"].split()[1]})
    sio.get_received()
    question = db.session.get(type(question), question_id)
    assert notify(db.session, reader_id, "routed", question_id=question_id, payload={"reasons": [], "rank": 1})
    services.edit_question(db.session, question, by=db.session.get(type(reader), member_id),
                           visibility="team", team="cards")
    db.session.commit()
    pushed = [e["args"][0] for e in sio.get_received() if e["name"] == "notification"]
    assert len(pushed) == 1 and pushed[0]["title"] is None and pushed[0]["question_id"] == question_id
    sio.disconnect()
