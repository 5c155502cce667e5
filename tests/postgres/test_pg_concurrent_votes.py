"""Concurrent voting on PostgreSQL: every thread has its own app context, session and
connection, and commits its own transaction, as concurrent requests do."""
from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.db import intent
from app.extensions import db
from app.forum import services
from app.forum.models import Answer, Question, Vote

pytestmark = pytest.mark.postgres

VOTERS = 20
FLIP_THREADS = 4
FLIPS_PER_THREAD = 15


def _vote(app, barrier: threading.Barrier | None, user_id: int, model, post_id: int, value: int) -> int:
    """One request's worth of work: load, vote, commit. Returns the caller's vote."""
    from app.accounts.models import User

    with app.app_context():
        if barrier is not None:
            barrier.wait(timeout=30)
        try:
            with intent(True):
                user = db.session.get(User, user_id)
                post = db.session.get(model, post_id)
                _, mine = services.set_vote(db.session, post, value, by=user)
                db.session.commit()
                return mine
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def _flipper(app, barrier, user_id: int, model, post_id: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    barrier.wait(timeout=30)
    return [_vote(app, None, user_id, model, post_id, rng.choice((1, -1, 0)))
            for _ in range(FLIPS_PER_THREAD)]


def _fresh_totals(model, post_id: int) -> tuple[int, int, int]:
    """(score column, sum of vote rows, number of vote rows) read in a new session."""
    column = Vote.question_id if model is Question else Vote.answer_id
    db.session.expire_all()
    score = db.session.scalar(select(model.score).where(model.id == post_id))
    total, count = db.session.execute(
        select(func.coalesce(func.sum(Vote.value), 0), func.count(Vote.id)).where(column == post_id)).one()
    return score, total, count


@pytest.mark.parametrize("target", ["answer", "question"])
def test_concurrent_votes_are_neither_lost_nor_double_counted(app, make_user, target):
    # About the ledger under concurrency, not standing: fresh accounts may vote down here (the
    # privilege itself is tested in tests/unit/test_points_privileges.py and the pages' tests).
    app.config["POINTS_PRIVILEGES"] = {**app.config["POINTS_PRIVILEGES"], "vote_down": 0}
    asker, answerer = make_user("staff"), make_user("expert")
    voters = [make_user("staff") for _ in range(VOTERS)]
    flipper = make_user("staff")
    question = services.ask_question(db.session, title="How do I unblock a card after three PIN tries?",
                                     body="The customer is travelling and needs it today.",
                                     tags=["cards"], by=asker)
    answer = services.post_answer(db.session, question, body="Reset the counter in the card admin tool.",
                                  by=answerer)
    db.session.commit()
    model, post_id = (Answer, answer.id) if target == "answer" else (Question, question.id)
    voter_ids, flipper_id = [u.id for u in voters], flipper.id
    db.session.remove()  # the main thread holds no connection or lock while the workers run

    barrier = threading.Barrier(VOTERS + FLIP_THREADS)
    with ThreadPoolExecutor(max_workers=VOTERS + FLIP_THREADS) as pool:
        ups = [pool.submit(_vote, app, barrier, uid, model, post_id, 1) for uid in voter_ids]
        flips = [pool.submit(_flipper, app, barrier, flipper_id, model, post_id, seed)
                 for seed in range(FLIP_THREADS)]
        # .result() re-raises any IntegrityError, deadlock or lost-lock error from a worker.
        assert [f.result(timeout=120) for f in ups] == [1] * VOTERS
        for f in flips:
            f.result(timeout=120)

    score, total, count = _fresh_totals(model, post_id)
    flipper_vote = db.session.scalar(select(Vote.value).where(
        Vote.user_id == flipper_id, (Vote.answer_id if model is Answer else Vote.question_id) == post_id)) or 0
    assert score == total == VOTERS + flipper_vote
    assert count == VOTERS + (1 if flipper_vote else 0)

    # The flipper ends on one vote whatever the interleaving; a final set is still honoured.
    assert _vote(app, None, flipper_id, model, post_id, -1) == -1
    assert _fresh_totals(model, post_id) == (VOTERS - 1, VOTERS - 1, VOTERS + 1)
