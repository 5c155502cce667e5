"""Bounties through the real services: offering, awarding (accept or the offerer's choice),
expiry with half refunded, routing boosted, and never paying twice, even racing."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.db import intent, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.forum import services
from app.forum.models import Answer, Question
from app.points import bounties, rules
from app.points.bounty_models import Bounty
from app.points.models import PointsEntry
from app.points.queries import verify
from factories import accept, answer, ask
from tests.integration.bounty_helpers import entries, grant, points


@pytest.fixture
def cast(db, make_user):
    asker, helper, other = make_user("staff"), make_user("staff"), make_user("staff")
    grant(asker, 300)
    question = ask(asker, tags=("cards",))
    return type("Cast", (), {"asker": asker, "helper": helper, "other": other, "question": question})


def offer(question, amount, by):
    bounty = bounties.offer_bounty(db.session, question, amount, by=by)
    db.session.commit()
    return bounty


def test_offer_pays_up_front_and_refuses_what_the_rules_forbid(cast):
    bounty = offer(cast.question, 100, cast.asker)
    assert points(cast.asker) == 200
    [paid] = entries(cast.asker, "bounty_offered")
    assert paid.amount == -100 and paid.question_id == cast.question.id
    assert bounty.expires_at - bounty.created_at == timedelta(days=rules.BOUNTY_DAYS)
    with pytest.raises(Invalid) as err:  # one open bounty per question
        bounties.offer_bounty(db.session, cast.question, 60, by=cast.asker)
    assert "amount" in err.value.errors
    db.session.rollback()
    other_q = ask(cast.asker)
    for amount in (49, 201, 0, "60", True):  # below the minimum, more than they have, not a number
        with pytest.raises(Invalid):
            bounties.offer_bounty(db.session, other_q, amount, by=cast.asker)
        db.session.rollback()
    assert points(cast.asker) == 200
    assert verify(db.session) == []


def test_no_bounty_on_closed_accepted_or_hidden_questions(cast, make_user):
    grant(cast.helper, 500)
    solved = ask(cast.asker)
    accept(answer(solved, cast.other))
    closed = ask(cast.asker)
    services.close_question(db.session, closed, reason="off_topic", by=make_user("moderator"))
    db.session.commit()
    for q in (solved, closed):
        with pytest.raises(Invalid):
            bounties.offer_bounty(db.session, q, 50, by=cast.helper)
        db.session.rollback()
    internal = ask(cast.asker, visibility="internal")
    customer = make_user("customer")
    grant(customer, 100)
    with pytest.raises(NotFound):
        bounties.offer_bounty(db.session, internal, 50, by=customer)
    db.session.rollback()
    assert points(cast.helper) == 500 and points(customer) == 100


def test_accepting_an_answer_awards_the_bounty(cast):
    bounty = offer(cast.question, 120, cast.asker)
    reply = answer(cast.question, cast.helper)
    accept(reply)
    db.session.refresh(bounty)
    assert bounty.status == "awarded" and bounty.answer_id == reply.id and bounty.open_question_id is None
    assert [e.amount for e in entries(cast.helper, "bounty_awarded")] == [120]
    assert points(cast.helper) == 120 + 15  # the bounty and the accept itself
    # Unaccept and accept another: the bounty was paid once and stays paid.
    other = answer(cast.question, cast.other)
    accept(other)
    assert entries(cast.other, "bounty_awarded") == []
    assert verify(db.session) == []


def test_accepting_the_offerers_own_answer_keeps_the_bounty_open(cast):
    sponsor = cast.other
    grant(sponsor, 100)
    bounty = offer(cast.question, 50, sponsor)
    accept(answer(cast.question, sponsor))  # the asker accepts the sponsor's own answer
    db.session.refresh(bounty)
    assert bounty.status == "open" and entries(sponsor, "bounty_awarded") == []


def test_the_offerer_awards_an_answer_of_their_choice(cast):
    bounty = offer(cast.question, 80, cast.asker)
    reply, mine = answer(cast.question, cast.helper), answer(cast.question, cast.asker)
    with pytest.raises(Forbidden):
        bounties.award_bounty(db.session, bounty, reply, by=cast.helper)
    with pytest.raises(Invalid):  # never to their own answer
        bounties.award_bounty(db.session, bounty, mine, by=cast.asker)
    elsewhere = answer(ask(cast.other), cast.other)
    with pytest.raises(Invalid):  # an answer of another question
        bounties.award_bounty(db.session, bounty, elsewhere, by=cast.asker)
    db.session.rollback()
    bounties.award_bounty(db.session, bounty, reply, by=cast.asker)
    db.session.commit()
    assert points(cast.helper) == 80
    with pytest.raises(Conflict):
        bounties.award_bounty(db.session, bounty, reply, by=cast.asker)
    db.session.rollback()
    accept(reply)  # accepting later pays the accept, not the bounty again
    assert [e.amount for e in entries(cast.helper, "bounty_awarded")] == [80]


def test_expiry_refunds_half_once_and_closes_the_bounty(app, cast):
    bounty = offer(cast.question, 101, cast.asker)
    assert bounties.expire_bounties(db.session, now=utcnow() + timedelta(days=6)) == []
    later = utcnow() + timedelta(days=rules.BOUNTY_DAYS, minutes=1)
    assert bounties.expire_bounties(db.session, now=later) == [bounty.id]
    db.session.commit()
    assert bounties.expire_bounties(db.session, now=later) == []
    assert points(cast.asker) == 300 - 101 + 50
    [refund] = entries(cast.asker, "bounty_refund")
    assert refund.amount == 50
    db.session.refresh(bounty)
    assert bounty.status == "expired"
    reply = answer(cast.question, cast.helper)
    with pytest.raises(Conflict):
        bounties.award_bounty(db.session, bounty, reply, by=cast.asker)
    db.session.rollback()
    accept(reply)
    assert entries(cast.helper, "bounty_awarded") == []
    # A new bounty may be offered once the old one is settled; the CLI expires it too.
    second = offer(ask(cast.asker), 50, cast.asker)
    db.session.execute(Bounty.__table__.update().where(Bounty.id == second.id)
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["points", "expire-bounties"])
    assert result.exit_code == 0 and "1 bounty(ies) expired" in result.output
    assert points(cast.asker) == 300 - 101 + 50 + 2 - 50 + 25  # + 2: the asker accepted an answer
    assert verify(db.session) == []


def test_the_expiry_job_is_registered(app):
    from app.jobs import periodic_jobs

    names = {job.name for job in periodic_jobs()}
    assert {"points.expire_bounties", "points.fraud_scan"} <= names


def _race(app, *targets):
    errors, barrier = [], threading.Barrier(len(targets))

    def run(fn):
        with app.app_context(), intent(True):
            try:
                barrier.wait()
                fn()
                db.session.commit()
            except (Conflict, Invalid):  # the loser of a race is refused, never paid
                db.session.rollback()
            except Exception as exc:  # collected: a thread's exception would otherwise vanish
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()


def test_award_racing_expiry_pays_exactly_one_of_them(app, cast):
    reply = answer(cast.question, cast.helper)
    for _ in range(4):
        q = ask(cast.asker)
        reply = answer(q, cast.helper)
        bounty = offer(q, 60, cast.asker)
        bounty_id, answer_id, asker_id = bounty.id, reply.id, cast.asker.id
        before = bounty.expires_at - timedelta(minutes=1)
        after = bounty.expires_at + timedelta(minutes=1)

        def award():
            bounties.award_bounty(db.session, db.session.get(Bounty, bounty_id), db.session.get(Answer, answer_id),
                                  by=db.session.get(User, asker_id), now=before)

        def expire():
            bounties.expire_bounties(db.session, now=after)

        _race(app, award, expire, award, expire)
        settled = db.session.scalars(select(PointsEntry).where(PointsEntry.key_stem == f"bounty:b{bounty_id}:settle"))
        assert len(list(settled)) == 1
        assert db.session.get(Bounty, bounty_id).status in ("awarded", "expired")
    assert verify(db.session) == []


def test_offering_twice_at_once_pays_once(app, cast):
    question_id, asker_id = cast.question.id, cast.asker.id
    spare = ask(cast.asker)
    spare_id = spare.id

    def offer_on(qid, amount):
        return lambda: bounties.offer_bounty(db.session, db.session.get(Question, qid), amount,
                                             by=db.session.get(User, asker_id))

    # Same question four times; then two questions whose bounties together exceed the balance.
    _race(app, *[offer_on(question_id, 100) for _ in range(4)])
    assert db.session.scalar(select(func.count(Bounty.id)).where(Bounty.question_id == question_id)) == 1
    assert points(cast.asker) == 200
    _race(app, offer_on(spare_id, 150), offer_on(ask(cast.asker).id, 150))
    assert points(cast.asker) == 50
    assert len(entries(cast.asker, "bounty_offered")) == 2
    assert verify(db.session) == []


def test_a_bounty_asks_more_experts(app, make_user):
    from tests.integration.experts_helpers import history, notified_ids

    asker, other = make_user("staff"), make_user("staff")
    experts = [make_user("expert") for _ in range(7)]
    for expert in experts:
        history(expert, other, tags=("cards",), n=2)
    grant(asker, 100)
    q = ask(asker, tags=("cards",))
    first = set(notified_ids(q))
    assert len(first) == app.config["EXPERTS_NOTIFY"]
    offer(q, 50, asker)  # committed: the boost job runs (inline in tests)
    after = set(notified_ids(q))
    assert first < after and len(after) == len(first) + app.config["EXPERTS_BOUNTY_EXTRA"]
