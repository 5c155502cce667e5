"""Live question pages over Socket.IO: a room per question, joined only by viewers who may see it
(checked at join and at every emit), events for every change the page shows, ids only; and the
catch-up of notifications after a disconnect, with nothing lost and nothing twice."""
from __future__ import annotations

import pytest
from factories import accept, answer, ask, comment, vote
from live_support import Sock, token_of

from app.extensions import db
from app.forum import services as forum


@pytest.fixture
def sock(app, token_for):
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


def watch(client, question) -> bool:
    return client.emit("watch", {"question": question.id}, callback=True)["ok"]


def events(client) -> list[dict]:
    return client.received("question")


def test_joining_is_checked(app, make_user, sock):
    member, outsider = make_user("staff", teams=("loans",)), make_user("staff", teams=("cards",))
    team_question = ask(member, visibility="team", team="loans")
    public = ask(member)
    outsider_sock = sock(outsider)
    assert watch(outsider_sock, team_question) is False
    assert outsider_sock.emit("watch", {"question": 999999}, callback=True)["ok"] is False  # same answer: no leak
    assert outsider_sock.emit("watch", {"question": "x; drop"}, callback=True)["ok"] is False
    assert watch(outsider_sock, public) is True
    answer(team_question, make_user("expert", teams=("loans",)))
    assert events(outsider_sock) == []


def test_every_change_reaches_the_room_with_ids_only(app, make_user, sock):
    asker, expert, reader, moderator = (make_user("staff"), make_user("expert"), make_user("staff"),
                                        make_user("moderator"))
    question = ask(asker)
    reader_sock = sock(reader)
    assert watch(reader_sock, question)
    posted = answer(question, expert)
    comment(posted, asker, body="Thanks, that is clear now.")
    vote(posted, reader)
    accept(posted)
    forum.edit_answer(db.session, posted, body="Use the PIN unblock screen; then retry with the customer.", by=expert)
    db.session.commit()
    forum.close_question(db.session, question, reason="off_topic", by=moderator)
    db.session.commit()
    got = events(reader_sock)
    assert [e["event"] for e in got] == ["answer", "comment", "vote", "accepted", "edited", "closed"]
    assert all(e["question_id"] == question.id for e in got)
    assert got[0] == {"question_id": question.id, "event": "answer", "answer_id": posted.id}
    # Ids only: never a body, a title or a name.
    assert all(set(e) <= {"question_id", "event", "answer_id", "comment_id"} for e in got)


def test_each_emit_checks_access_again(app, make_user, sock):
    """A question made team-only while a reader watches it: the reader hears nothing more and
    is taken out of the room."""
    asker = make_user("staff", teams=("loans",))
    member, outsider = make_user("staff", teams=("loans",)), make_user("staff", teams=("cards",))
    question = ask(asker)
    member_sock, outsider_sock = sock(member), sock(outsider)
    assert watch(member_sock, question) and watch(outsider_sock, question)
    forum.edit_question(db.session, question, by=asker, visibility="team", team="loans")
    db.session.commit()
    # The edit itself is the first event the outsider must not get.
    assert [e["event"] for e in events(member_sock)] == ["edited"]
    assert events(outsider_sock) == []
    answer(question, make_user("expert", teams=("loans",)))
    assert [e["event"] for e in events(member_sock)] == ["answer"]
    assert events(outsider_sock) == []
    forum.edit_question(db.session, question, by=asker, visibility="public")
    db.session.commit()
    answer(question, make_user("expert"))
    assert events(outsider_sock) == []  # out of the room for good: it must watch again
    assert watch(outsider_sock, question)
    comment(question, asker, body="Public again, welcome back.")
    assert [e["event"] for e in events(outsider_sock)] == ["comment"]


def test_a_deactivated_reader_is_skipped(app, make_user, sock):
    asker, reader = make_user("staff"), make_user("staff")
    question = ask(asker)
    reader_sock = sock(reader)
    assert watch(reader_sock, question)
    reader.is_active_account = False  # (the accounts service would also end the socket)
    db.session.commit()
    answer(question, make_user("expert"))
    assert events(reader_sock) == []


def test_catch_up_after_a_disconnect_loses_nothing_and_repeats_nothing(app, client, make_user, sock, token_for):
    asker, expert = make_user("staff"), make_user("expert", points=50)  # comments on others' posts
    headers = token_for(asker)
    asker_sock = sock(asker)
    first = ask(asker)
    answer(first, expert)
    live = asker_sock.received("notification")
    assert [n["kind"] for n in live] == ["answer"]
    last_seen = live[-1]["id"]
    asker_sock.disconnect()
    # Offline: three things happen that the asker must hear of.
    second = ask(asker)
    answer(second, expert)
    comment(second, expert, body="Also check the card status first.")
    third = ask(asker)
    answer(third, make_user("expert"))
    asker_sock.connect(auth={"token": headers["Authorization"].split()[1]})
    assert asker_sock.is_connected()
    assert asker_sock.received("notification") == []  # nothing is replayed by the socket itself
    missed = client.get(f"/api/v1/notifications?after={last_seen}", headers=headers).get_json()
    kinds = [(n["kind"], n["question_id"]) for n in missed["items"] if n["kind"] != "routed"]
    assert kinds == [("answer", second.id), ("comment", second.id), ("answer", third.id)]
    ids = [n["id"] for n in missed["items"]]
    assert ids == sorted(ids) and min(ids) > last_seen
    # A client that saw an event during the catch-up drops it by id: the next page is empty.
    assert client.get(f"/api/v1/notifications?after={max(ids)}", headers=headers).get_json()["items"] == []
    # Paging: has_more until the end, each item once.
    seen, after = [], last_seen
    while True:
        page = client.get(f"/api/v1/notifications?after={after}&limit=2", headers=headers).get_json()
        seen += [n["id"] for n in page["items"]]
        if not page["has_more"]:
            break
        after = page["items"][-1]["id"]
    assert seen == ids
