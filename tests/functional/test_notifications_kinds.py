"""Each kind of notification, its rules and its lifecycle, end to end: the forum action through
the real services, the row, the Socket.IO push (same JSON as the API) and the inbox."""
from __future__ import annotations

import factories
import pytest
from factories import accept, answer, ask, comment, sign_in
from live_support import Sock, notes, token_of

from app import signals
from app.extensions import db
from app.forum import services as forum
from app.notifications import follows, preferences


@pytest.fixture
def sock(app, token_for):
    """sock(user) -> a connected Socket.IO test client with its connect messages dropped."""
    opened = []

    def open_(user):
        client = Sock(app, auth={"token": token_of(token_for, user)})
        assert client.is_connected()
        client.received()
        opened.append(client)
        return client
    yield open_
    for client in opened:
        client.disconnect()


def pushed(client, name="notification") -> list[dict]:
    return client.received(name)


def test_an_answer_tells_the_asker_live_and_never_the_answerer(app, client, make_user, sock, token_for):
    asker, expert = make_user("staff"), make_user("expert")
    question = ask(asker, title="How do I unblock a card after three wrong PINs?")
    asker_sock, expert_sock = sock(asker), sock(expert)
    answer(question, expert, body="Use the PIN unblock screen, then ask the customer to retry.")
    got = pushed(asker_sock)
    assert [n["kind"] for n in got] == ["answer"]
    listed = client.get("/api/v1/notifications", headers=token_for(asker)).get_json()["items"]
    assert got[0] == listed[-1]  # the event is the API's JSON
    assert got[0]["actor"]["id"] == expert.id and expert.display_name in got[0]["text"]
    assert "How do I unblock a card" in got[0]["text"] and got[0]["delivery"] == "instant"
    # Not about their own action (the first-answer badge is the points domain's news, not this one).
    assert [n for n in pushed(expert_sock) if n["kind"] != "badge"] == []
    assert notes(expert, exclude=("routed", "badge")) == []


def test_comment_accept_and_mention(app, make_user, sock):
    # The colleague comments on someone else's answer: a privilege by points.
    asker, expert, colleague = make_user("staff"), make_user("expert", name="helper.one"), make_user("staff", points=50)
    question = ask(asker)
    posted = answer(question, expert)
    expert_sock, colleague_sock = sock(expert), sock(colleague)
    comment(posted, asker, body="Thanks, @helper.one! And @nobody.here too.")
    # The mention is the more specific news: one notification, not two.
    assert [n["kind"] for n in pushed(expert_sock)] == ["mention"]
    comment(posted, colleague, body="Does this also work for debit cards?")
    assert [n["kind"] for n in pushed(expert_sock)] == ["comment"]
    accept(posted)
    got = [n for n in pushed(expert_sock) if n["kind"] != "badge"]  # first accepted: a badge too
    assert [n["kind"] for n in got] == ["accepted"] and got[0]["actor"]["id"] == asker.id
    assert pushed(colleague_sock) == []


def test_a_mention_is_told_once_even_after_edits(app, make_user):
    author, named = make_user("staff"), make_user("expert", name="wang.test")
    question = ask(author, body="Asking @wang.test about this case, please help.")
    assert [n.kind for n in notes(named, "mention")] == ["mention"]
    forum.edit_question(db.session, question, by=author, body="Asking @wang.test about this case, edited text.")
    db.session.commit()
    assert len(notes(named, "mention")) == 1


def test_no_notification_about_a_solved_question(app, make_user):
    asker, first, late = make_user("staff"), make_user("expert"), make_user("expert")
    question = ask(asker)
    answer(question, first, accept=True)
    before = len(notes(asker))
    answer(question, late, body="Another way: reset it in the branch tool.")
    assert len(notes(asker)) == before  # solved already: no "answer" for the late one


def test_nobody_is_told_about_what_they_cannot_see(app, make_user):
    member = make_user("staff", teams=("loans",))
    outsider = make_user("staff", teams=("cards",), name="out.sider")
    question = ask(member, body="Team only: ask @out.sider maybe?", visibility="team", team="loans")
    assert notes(outsider) == []  # mentioned, but may not see the team's question
    follows.follow(db.session, outsider, "tag", question.tags[0].id, by=outsider)
    db.session.commit()
    ask(member, visibility="team", team="loans")
    assert notes(outsider) == []


def test_follows_tags_and_people(app, make_user):
    watcher, asker, expert = make_user("staff"), make_user("staff"), make_user("expert")
    preferences.save_preferences(db.session, watcher, frequencies={"tag_question": "instant",
                                                                   "user_post": "instant"}, by=watcher)
    tag_question = ask(asker, tags=("loans",))
    follows.follow(db.session, watcher, "tag", tag_question.tags[0].id, by=watcher)
    follows.follow(db.session, watcher, "user", expert.id, by=watcher)
    db.session.commit()
    question = ask(asker, tags=("loans",))
    assert [n.kind for n in notes(watcher, exclude=("routed",))] == ["tag_question"]
    answer(question, expert)
    kinds = [n.kind for n in notes(watcher, exclude=("routed",))]
    assert kinds == ["tag_question", "user_post"]
    follows.follow(db.session, watcher, "question", question.id, by=watcher)
    db.session.commit()
    comment(question, asker, body="Any update on this one?")
    assert notes(watcher)[-1].kind == "followed" and notes(watcher)[-1].payload["event"] == "comment"


def test_asking_and_answering_follow_unless_turned_off(app, make_user):
    asker, expert, quiet = make_user("staff"), make_user("expert"), make_user("expert")
    preferences.save_preferences(db.session, quiet, auto_follow=False, by=quiet)
    db.session.commit()
    question = ask(asker)
    answer(question, expert)
    answer(question, quiet)
    comment(question, asker, body="Thanks both, checking now.")
    assert notes(expert)[-1].kind == "followed"
    assert notes(quiet, "followed") == []
    before = len(notes(expert, "followed"))
    follows.unfollow(db.session, expert, "question", question.id, by=expert)
    db.session.commit()
    answer(question, expert, body="A second answer of mine, still unfollowed.")
    answer(question, make_user("expert"))
    assert len(notes(expert, "followed")) == before  # an explicit unfollow is not undone by answering


def test_digest_kinds_are_not_popped_up_and_off_means_no_row(app, make_user, sock):
    asker, expert = make_user("staff"), make_user("expert", points=50)  # comments on the question
    preferences.save_preferences(db.session, asker, frequencies={"answer": "daily", "comment": "off"}, by=asker)
    db.session.commit()
    question = ask(asker)
    asker_sock = sock(asker)
    answer(question, expert)
    got = pushed(asker_sock)
    assert [(n["kind"], n["delivery"]) for n in got] == [("answer", "daily")]  # in the bell, not a toast
    comment(question, expert, body="One more detail for you.")
    assert [n.kind for n in notes(asker, exclude=("routed",))] == ["answer"]
    with pytest.raises(Exception):
        preferences.save_preferences(db.session, asker, frequencies={"routed": "off"}, by=asker)


def test_quiet_hours_make_instant_ones_quiet(app, make_user):
    asker, expert = make_user("staff"), make_user("expert")
    preferences.save_preferences(db.session, asker, timezone_name="UTC", quiet_start=0, quiet_end=24 * 60 - 1,
                                 by=asker)
    db.session.commit()
    answer(ask(asker), expert)
    assert [n.delivery for n in notes(asker, "answer")] == ["quiet"]


def test_badges_from_the_points_domain(app, make_user, sock):
    earner = make_user("expert")
    earner_sock = sock(earner)

    class Award:
        id, tag = 7, "cards"
    signals.badge_awarded.send(earner, badge="Helpful", award=Award())
    db.session.commit()
    got = pushed(earner_sock)
    assert got and got[0]["kind"] == "badge" and "Helpful" in got[0]["text"] and "cards" in got[0]["text"]


def test_unread_count_is_pushed_and_settled_items_leave_it(app, client, make_user, sock, token_for):
    app.config["EXPERTS_NOTIFY"] = 2
    asker, expert, other = make_user("staff"), make_user("expert"), make_user("expert")
    factories.history(expert, make_user("staff"), n=2)
    factories.history(other, make_user("staff"), n=2)
    expert_sock = sock(expert)
    question = ask(asker, title="Routed: card swallowed by the ATM, what now?")
    routed = [n for n in pushed(expert_sock) if n["question_id"] == question.id]
    assert [n["kind"] for n in routed] == ["routed"] and routed[0]["reasons"]
    unread = client.get("/api/v1/notifications", headers=token_for(expert)).get_json()["unread"]
    answer(question, other)  # answered by someone else: the route settles
    counts = pushed(expert_sock, "unread")
    assert counts and counts[-1]["unread"] == unread - 1
    assert [n for n in notes(expert, "routed") if n.question_id == question.id][0].resolved_at is not None


def test_routed_settles_on_decline_close_and_delete_and_deleted_is_a_tombstone(app, client, make_user, token_for):
    app.config["EXPERTS_NOTIFY"] = 1
    expert, asker, moderator = make_user("expert"), make_user("staff"), make_user("moderator")
    factories.history(expert, make_user("staff"), n=3)

    def routed_note(question):
        found = [n for n in notes(expert, "routed") if n.question_id == question.id]
        assert found, "routed to the expert"
        return found[0]

    declined = ask(asker)
    sign_in(client, expert)
    client.post(f"/questions/{declined.id}/routing/decline", data={"reason": ""})
    assert routed_note(declined).resolved_at is not None
    closed = ask(asker)
    forum.close_question(db.session, closed, reason="off_topic", by=moderator)
    db.session.commit()
    assert routed_note(closed).resolved_at is not None
    deleted = ask(asker, title="A question that will be deleted soon")
    note_id = routed_note(deleted).id
    forum.delete_post(db.session, deleted, by=moderator)
    db.session.commit()
    assert routed_note(deleted).resolved_at is not None
    items = client.get("/api/v1/notifications", headers=token_for(expert)).get_json()["items"]
    item = next(i for i in items if i["id"] == note_id)
    assert item["gone"] is True and item["title"] is None and item["url"] is None
    page = client.get("/notifications")
    assert page.status_code == 200 and "a deleted question" in page.get_data(as_text=True)
    assert "A question that will be deleted soon" not in page.get_data(as_text=True)
