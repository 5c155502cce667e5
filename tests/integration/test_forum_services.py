"""Forum services: revisions, acceptance, closing, duplicates, deletion, counts, signals."""
import pytest
from sqlalchemy import select

from app import signals
from app.errors import Conflict, Forbidden, Invalid
from app.forum import services
from app.forum.models import Tag
from app.forum.queries import list_questions, question_page, revisions


@pytest.fixture
def people(make_user):
    # The expert has the standing to comment on others' posts (privileges by points).
    return {"asker": make_user("staff"), "expert": make_user("expert", points=50), "other": make_user("expert"),
            "mod": make_user("moderator"), "customer": make_user("customer")}


def ask(db, by, title="How to unblock a frozen card?", tags=("cards",), **kw):
    return services.ask_question(db.session, title=title, body="The card was frozen after 3 wrong PINs.",
                                 tags=list(tags), by=by, **kw)


@pytest.fixture
def record():
    """record(signal) -> list that receives (sender, kwargs); disconnected after the test."""
    receivers = []

    def connect(signal):
        events = []

        def receiver(sender, **kw):
            events.append((sender, kw))
        signal.connect(receiver)
        receivers.append((signal, receiver))
        return events
    yield connect
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def test_ask_validates_every_field_at_once(db, people):
    with pytest.raises(Invalid) as err:
        services.ask_question(db.session, title="short", body="x", tags=[], by=people["asker"])
    assert set(err.value.errors) == {"title", "body", "tags"}
    with pytest.raises(Invalid) as err:
        ask(db, people["asker"], tags=["a", "b", "c", "d", "e", "f"])
    assert "tags" in err.value.errors
    with pytest.raises(Invalid) as err:
        services.ask_question(db.session, title="A long enough title", body="y" * 30_001, tags=["x"],
                              by=people["asker"])
    assert "body" in err.value.errors


def test_customers_cannot_create_tags_but_reuse_them(db, people):
    with pytest.raises(Invalid) as err:
        ask(db, people["customer"], tags=["brand-new"])
    assert "tags" in err.value.errors
    ask(db, people["asker"], tags=["brand-new"])
    assert ask(db, people["customer"], title="Customer asks with an existing tag", tags=["Brand-New"]).tag_names == ["brand-new"]


def test_edit_creates_revisions_and_keeps_tag_counts(db, people, record):
    q = ask(db, people["asker"], tags=("cards", "pin"))
    edited = record(signals.question_edited)
    services.edit_question(db.session, q, title="How to unblock a card frozen by PIN tries?",
                           tags=["cards", "解冻"], comment="clearer title", by=people["asker"])
    services.edit_question(db.session, q, title=q.title, by=people["asker"])  # no change: no revision
    revs = revisions(db.session, q)
    assert [r.number for r in revs] == [2, 1] and revs[0].comment == "clearer title"
    assert revs[1].tags == "cards pin" and revs[0].tags == "cards 解冻"
    counts = dict(db.session.execute(select(Tag.name, Tag.question_count)).all())
    assert counts == {"cards": 1, "pin": 0, "解冻": 1}
    assert len(edited) == 1 and edited[0][1]["changed"] == {"title", "tags"}
    with pytest.raises(Forbidden):
        services.edit_question(db.session, q, body="Someone else edits the body text.", by=people["expert"])


def test_accept_switch_unaccept_and_signals(db, people, record):
    q = ask(db, people["asker"])
    a1 = services.post_answer(db.session, q, body="Wait 24 hours, it unlocks.", by=people["expert"])
    a2 = services.post_answer(db.session, q, body="Reset the PIN at any ATM.", by=people["other"])
    accepted, unaccepted = record(signals.answer_accepted), record(signals.answer_unaccepted)
    with pytest.raises(Forbidden):
        services.accept_answer(db.session, a1, by=people["expert"])
    services.accept_answer(db.session, a1, by=people["asker"])
    services.accept_answer(db.session, a1, by=people["asker"])  # no-op
    services.accept_answer(db.session, a2, by=people["mod"])
    assert q.accepted_answer_id == a2.id
    assert [s.id for s, _ in accepted] == [a1.id, a2.id] and accepted[1][1]["previous"].id == a1.id
    assert [s.id for s, _ in unaccepted] == [a1.id]
    services.unaccept_answer(db.session, a2, by=people["asker"])
    assert q.accepted_answer_id is None and [s.id for s, _ in unaccepted] == [a1.id, a2.id]
    page = question_page(db.session, q.id, None)
    assert len(page.answers) == 2


def test_accepted_answer_sorts_first(db, people, make_user):
    q = ask(db, people["asker"])
    low = services.post_answer(db.session, q, body="A low scored answer.", by=people["expert"])
    high = services.post_answer(db.session, q, body="A high scored answer.", by=people["other"])
    services.set_vote(db.session, high, 1, by=people["customer"])
    assert [a.id for a in question_page(db.session, q.id, None).answers] == [high.id, low.id]
    services.accept_answer(db.session, low, by=people["asker"])
    assert [a.id for a in question_page(db.session, q.id, None).answers] == [low.id, high.id]


def test_close_reopen_and_duplicate(db, people):
    original = ask(db, people["asker"], title="How to unblock a frozen card (original)?")
    dup = ask(db, people["customer"], title="My card is frozen, what now?")
    with pytest.raises(Forbidden):
        services.close_question(db.session, dup, reason="off_topic", by=people["asker"])
    with pytest.raises(Invalid):
        services.close_question(db.session, dup, reason="nonsense", by=people["mod"])
    with pytest.raises(Invalid):
        services.mark_duplicate(db.session, dup, dup, by=people["mod"])
    services.mark_duplicate(db.session, dup, original, by=people["mod"])
    assert dup.is_closed and dup.close_reason == "duplicate"
    assert question_page(db.session, dup.id, None).duplicate_of.id == original.id
    with pytest.raises(Conflict):
        services.post_answer(db.session, dup, body="Answering a closed question.", by=people["expert"])
    with pytest.raises(Conflict):
        services.close_question(db.session, dup, reason="off_topic", by=people["mod"])
    services.reopen_question(db.session, dup, by=people["mod"])
    assert not dup.is_closed and dup.duplicate_of_id is None
    services.post_answer(db.session, dup, body="Now it can be answered.", by=people["expert"])


def test_delete_and_undelete_keep_counts(db, people):
    q = ask(db, people["asker"])
    a = services.post_answer(db.session, q, body="An answer to be deleted.", by=people["expert"])
    services.accept_answer(db.session, a, by=people["asker"])
    with pytest.raises(Forbidden):
        services.delete_post(db.session, a, by=people["other"])
    services.delete_post(db.session, a, by=people["mod"])
    db.session.refresh(q)
    assert q.answer_count == 0 and q.accepted_answer_id is None
    with pytest.raises(Forbidden):  # the author cannot undo a moderator's deletion
        services.undelete_post(db.session, a, by=people["expert"])
    services.undelete_post(db.session, a, by=people["mod"])
    db.session.refresh(q)
    assert q.answer_count == 1
    services.delete_post(db.session, q, by=people["asker"])
    assert list_questions(db.session, people["asker"]).total == 0
    assert db.session.scalar(select(Tag.question_count).where(Tag.name == "cards")) == 0
    services.undelete_post(db.session, q, by=people["asker"])
    assert list_questions(db.session, None).total == 1


def test_comments(db, people, record):
    q = ask(db, people["asker"])
    a = services.post_answer(db.session, q, body="An answer with comments.", by=people["expert"])
    posted = record(signals.comment_posted)
    services.post_comment(db.session, q, body="Which card type?", by=people["expert"])
    c = services.post_comment(db.session, a, body="Thanks, **worked**!", by=people["asker"])
    assert "<strong>worked</strong>" in c.body_html
    with pytest.raises(Invalid):
        services.post_comment(db.session, a, body="x" * 1001, by=people["asker"])
    page = question_page(db.session, q.id, None)
    assert len(page.comments[("q", q.id)]) == 1 and len(page.comments[("a", a.id)]) == 1
    assert [kw["post"] for _, kw in posted] == [q, a]
    services.delete_comment(db.session, c, by=people["asker"])
    assert ("a", a.id) not in question_page(db.session, q.id, None).comments


def test_lists_sorts_and_filters(db, people):
    q1 = ask(db, people["asker"], title="First question about cards", tags=("cards",))
    q2 = ask(db, people["asker"], title="Second question about loans", tags=("loans",))
    services.post_answer(db.session, q1, body="An answer bumps activity.", by=people["expert"])
    assert [q.id for q in list_questions(db.session, None, sort="newest").items] == [q2.id, q1.id]
    assert [q.id for q in list_questions(db.session, None, sort="active").items][0] == q1.id
    assert [q.id for q in list_questions(db.session, None, sort="unanswered").items] == [q2.id]
    assert [q.id for q in list_questions(db.session, None, tag="loans").items] == [q2.id]
    assert list_questions(db.session, None, author_id=people["expert"].id).total == 0
    page = list_questions(db.session, None, page=2, per_page=1)
    assert page.total == 2 and [q.id for q in page.items] == [q1.id] and not page.has_next


def test_tag_counts_follow_visibility_and_viewer_scope(db, people, make_user):
    from app.forum.queries import visible_tags

    member = make_user("staff", teams=("cards",))
    q = ask(db, people["asker"], tags=("fees",))
    ask(db, member, title="A team-only question on fees", tags=("fees",), visibility="team", team="cards")

    def counts():
        tag = db.session.scalar(select(Tag).where(Tag.name == "fees"))
        db.session.refresh(tag)
        return tag.question_count, tag.public_count, tag.internal_count

    assert counts() == (2, 1, 0)
    services.edit_question(db.session, q, visibility="internal", by=people["asker"])
    assert counts() == (2, 0, 1)

    def seen(viewer):
        return {tag.name: n for tag, n in visible_tags(db.session, viewer).items}.get("fees", 0)
    # Team questions count for moderators only, so a count never reveals a team's question.
    assert (seen(None), seen(people["customer"]), seen(member), seen(people["mod"])) == (0, 0, 1, 2)
    services.delete_post(db.session, q, by=people["asker"])
    assert counts() == (1, 0, 0)
