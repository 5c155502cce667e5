"""Vote semantics and concurrency on SQLite (PostgreSQL: tests/postgres)."""
import threading

import pytest
from sqlalchemy import func, select

from app.db import intent
from app.errors import Forbidden, Invalid
from app.forum import services
from app.forum.models import Answer, Vote
from app.signals import vote_cast, vote_retracted


@pytest.fixture
def answer(db, make_user):
    asker, answerer = make_user("staff"), make_user("expert")
    q = services.ask_question(db.session, title="Why is my card declined?", body="Declined at a shop.",
                              tags=["cards"], by=asker)
    a = services.post_answer(db.session, q, body="Check the daily limit first.", by=answerer)
    db.session.commit()
    return a


def test_vote_set_change_retract_and_idempotence(db, make_user, answer):
    voter = make_user("staff", points=125)  # voting down is a privilege
    events = []
    with vote_cast.connected_to(lambda s, **kw: events.append(("cast", kw["value"], kw["previous"]))), \
            vote_retracted.connected_to(lambda s, **kw: events.append(("retract", kw["previous"]))):
        assert services.set_vote(db.session, answer, 1, by=voter) == (1, 1)
        assert services.set_vote(db.session, answer, 1, by=voter) == (1, 1)  # repeat: no-op
        assert services.set_vote(db.session, answer, -1, by=voter) == (-1, -1)
        assert services.set_vote(db.session, answer, 0, by=voter) == (0, 0)
        assert services.set_vote(db.session, answer, 0, by=voter) == (0, 0)
    assert events == [("cast", 1, 0), ("cast", -1, 1), ("retract", -1)]
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_self_vote_and_bad_values_refused(db, answer):
    with pytest.raises(Forbidden):
        services.set_vote(db.session, answer, 1, by=answer.author)
    for bad in (2, -2, True, "1"):
        with pytest.raises(Invalid):
            services.set_vote(db.session, answer, bad, by=answer.question.author)


def test_concurrent_votes_are_neither_lost_nor_double_counted(app, db, make_user, answer):
    voters = [make_user("customer") for _ in range(12)]
    flipper = make_user("customer", points=125)  # votes down too
    answer_id, errors = answer.id, []

    def vote(user_id: int, values):
        from app.accounts.models import User
        try:
            with app.app_context(), intent(True):
                for value in values:
                    services.set_vote(db.session, db.session.get(Answer, answer_id), value,
                                      by=db.session.get(User, user_id))
                    db.session.commit()
        except Exception as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=vote, args=(u.id, [1])) for u in voters]
    threads += [threading.Thread(target=vote, args=(flipper.id, [1, -1, 1, 0, -1])) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()  # end the main thread's snapshot so it sees the threads' commits
    total = db.session.scalar(select(func.coalesce(func.sum(Vote.value), 0)).where(Vote.answer_id == answer_id))
    assert db.session.get(Answer, answer_id).score == total
    # The flipper's threads interleave, so its last vote is any of them; at most one row remains.
    flips = db.session.scalars(select(Vote.value).where(Vote.user_id == flipper.id)).all()
    assert len(flips) <= 1
    assert total == 12 + sum(flips)
