"""Follows and notification settings, through the API and the HTML pages."""
from __future__ import annotations

from factories import ask, sign_in

from app.extensions import db
from app.notifications import preferences


def test_follow_api(app, client, make_user, token_for):
    me, other, member = make_user("staff"), make_user("expert"), make_user("staff", teams=("loans",))
    headers = token_for(me)
    question = ask(other)
    hidden = ask(member, visibility="team", team="loans")
    assert client.post("/api/v1/follows", headers=headers, json={"type": "question", "id": question.id}).status_code == 201
    assert client.post("/api/v1/follows", headers=headers, json={"type": "tag", "name": "cards"}).status_code == 201
    assert client.post("/api/v1/follows", headers=headers, json={"type": "user", "id": other.id}).status_code == 201
    listed = client.get("/api/v1/follows", headers=headers).get_json()["items"]
    assert {(i["type"], i["name"]) for i in listed} == {("question", question.title), ("tag", "cards"),
                                                        ("user", other.display_name)}
    # A hidden question is "not found", never "forbidden"; bad input is a problem with a field.
    assert client.post("/api/v1/follows", headers=headers, json={"type": "question", "id": hidden.id}).status_code == 404
    assert client.post("/api/v1/follows", headers=headers, json={"type": "user", "id": me.id}).status_code == 422
    assert client.post("/api/v1/follows", headers=headers, json={"type": "tag", "name": "no-such-tag"}).status_code == 422
    assert client.post("/api/v1/follows", headers=headers, json={"type": "planet", "id": 1}).status_code == 422
    assert client.post("/api/v1/follows", headers=headers, json={"type": "tag", "id": "x"}).status_code == 400
    assert client.delete(f"/api/v1/follows/question/{question.id}", headers=headers).status_code == 204
    assert len(client.get("/api/v1/follows", headers=headers).get_json()["items"]) == 2
    assert client.get("/api/v1/follows").status_code == 401


def test_settings_api(app, client, make_user, token_for):
    me = make_user("expert")
    headers = token_for(me)
    start = client.get("/api/v1/notifications/settings", headers=headers).get_json()
    assert start["kinds"]["routed"] == "instant" and start["kinds"]["tag_question"] == "daily"
    assert start["quiet_hours"] is None and start["auto_follow"] is True
    done = client.put("/api/v1/notifications/settings", headers=headers, json={
        "kinds": {"answer": "weekly"}, "timezone": "Europe/London",
        "quiet_hours": {"start": "22:00", "end": "07:30"}, "auto_follow": False})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["kinds"]["answer"] == "weekly" and body["timezone"] == "Europe/London"
    assert body["quiet_hours"] == {"start": "22:00", "end": "07:30"} and body["auto_follow"] is False
    refused = client.put("/api/v1/notifications/settings", headers=headers,
                         json={"kinds": {"routed": "off"}, "timezone": "Mars/Olympus"})
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"kind_routed", "timezone"}
    assert client.put("/api/v1/notifications/settings", headers=headers,
                      json={"quiet_hours": {"start": "25:00", "end": "07:00"}}).status_code == 422
    assert client.put("/api/v1/notifications/settings", headers=headers, json={"colour": "red"}).status_code == 400
    cleared = client.put("/api/v1/notifications/settings", headers=headers, json={"quiet_hours": None}).get_json()
    assert cleared["quiet_hours"] is None and cleared["kinds"]["answer"] == "weekly"  # the rest is kept


def test_settings_page_saves_and_keeps_what_was_typed_on_error(app, client, make_user):
    me = make_user("staff")
    ask(make_user("staff"), tags=("loans",))  # the tag exists
    sign_in(client, me)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert 'name="kind_routed"' in page and 'value="off"' not in page.split('name="kind_routed"')[1].split("</select>")[0]
    form = {"kind_routed": "instant", "kind_escalated": "instant", "kind_answer": "daily", "kind_comment": "off",
            "kind_accepted": "instant", "kind_mention": "instant", "kind_followed": "weekly",
            "kind_tag_question": "daily", "kind_user_post": "off", "kind_badge": "instant", "kind_points": "weekly",
            "timezone": "Asia/Shanghai", "quiet_start": "22:00", "quiet_end": "07:00", "auto_follow": "y",
            "followed_tags": "loans"}
    response = client.post("/settings/notifications", data=form)
    assert response.status_code == 303
    db.session.expire_all()
    prefs = preferences.preferences(db.session, me.id)
    assert (prefs.frequencies["answer"], prefs.frequencies["comment"], prefs.quiet_start, prefs.quiet_end) == \
        ("daily", "off", 22 * 60, 7 * 60)
    bad = client.post("/settings/notifications", data={**form, "timezone": "Nowhere/City", "quiet_end": "",
                                                       "followed_tags": "no-such-tag"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Unknown time zone" in text and 'value="Nowhere/City"' in text and "Give both the start and the end." in text
    db.session.expire_all()
    assert preferences.preferences(db.session, me.id).timezone == "Asia/Shanghai"  # nothing half-saved


def test_follow_buttons_on_the_question_and_user_pages(app, client, make_user):
    me, other = make_user("staff"), make_user("expert")
    question = ask(other)
    sign_in(client, me)
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'action="/follows/question/{question.id}"' in page and "Follow this question" in page
    response = client.post(f"/follows/question/{question.id}", data={"action": "follow",
                                                                    "next": f"/questions/{question.id}"})
    assert response.status_code == 303
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Unfollow" in page
    user_page = client.get(f"/users/{other.id}").get_data(as_text=True)
    assert f'action="/follows/user/{other.id}"' in user_page
    assert client.post("/follows/planet/1").status_code == 404
