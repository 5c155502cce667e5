"""Points on PostgreSQL under concurrency: the row locks (FOR NO KEY UPDATE on users, in id
order) neither lose nor double an award, and mixed activity on one thread does not deadlock."""
from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.db import intent
from app.extensions import db
from app.forum import services
from app.forum.models import Answer, Question, Vote
from app.points.queries import ledger_sum, verify

pytestmark = pytest.mark.postgres

VOTERS = 16
WORKERS = 12  # each may hold two pooled connections (its own and an after-commit task's)


def _request(app, start: threading.Event, fn, *args) -> None:
    """One request's worth of work in its own context, session and transaction."""
    with app.app_context():
        start.wait(timeout=30)
        try:
            with intent(True):
                fn(*args)
                db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def _vote(model, post_id: int, user_id: int, value: int) -> None:
    services.set_vote(db.session, db.session.get(model, post_id), value, by=db.session.get(User, user_id))


def _accept(answer_id: int, user_id: int, accept: bool) -> None:
    fn = services.accept_answer if accept else services.unaccept_answer
    fn(db.session, db.session.get(Answer, answer_id), by=db.session.get(User, user_id))


def _points(user_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(User.points).where(User.id == user_id))


def test_concurrent_mixed_activity_pays_exactly_and_never_deadlocks(app, make_user):
    # About the ledger under concurrency, not standing: fresh accounts may vote down here (the
    # privilege itself is tested in tests/unit/test_points_privileges.py and the pages' tests).
    app.config["POINTS_PRIVILEGES"] = {**app.config["POINTS_PRIVILEGES"], "vote_down": 0}
    asker, answerer, rival = make_user("staff"), make_user("expert"), make_user("expert")
    voters = [make_user("staff") for _ in range(VOTERS)]
    q = services.ask_question(db.session, title="Can a frozen card still take refunds?",
                              body="A merchant wants to refund a frozen card.", tags=["cards"], by=asker)
    a = services.post_answer(db.session, q, body="Yes: refunds are credits and bypass the freeze.",
                             by=answerer)
    b = services.post_answer(db.session, q, body="Only after the freeze is lifted.", by=rival)
    db.session.commit()
    ids = {"asker": asker.id, "answerer": answerer.id, "rival": rival.id}
    voter_ids, qid, aid, bid = [v.id for v in voters], q.id, a.id, b.id
    db.session.remove()

    rng = random.Random(7)
    jobs = [(_vote, Answer, aid, uid, 1) for uid in voter_ids]                 # upvotes on A
    jobs += [(_vote, Question, qid, uid, 1) for uid in voter_ids[:8]]        # upvotes on Q
    jobs += [(_vote, Answer, bid, uid, rng.choice((1, -1, 0))) for uid in voter_ids[8:]]
    jobs += [(_vote, Answer, bid, ids["asker"], -1), (_vote, Answer, aid, ids["rival"], -1),
             (_vote, Answer, bid, ids["answerer"], -1)]                      # cross downvotes
    jobs += [(_accept, aid, ids["asker"], True), (_accept, bid, ids["asker"], True)]
    rng.shuffle(jobs)
    start = threading.Event()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(_request, app, start, *job) for job in jobs]
        start.set()
        for f in futures:
            f.result(timeout=120)  # re-raises a deadlock or an IntegrityError from a worker

    with app.app_context():
        assert verify(db.session) == []
        votes = {(v.answer_id, v.question_id, v.user_id): v.value for v in db.session.scalars(select(Vote))}
        accepted = db.session.scalar(select(Question.accepted_answer_id).where(Question.id == qid))

        def earned_by_answer(answer_id: int, author: int) -> int:
            values = [v for (ans, _, _), v in votes.items() if ans == answer_id]
            return 10 * values.count(1) - 2 * values.count(-1) + (15 if accepted == answer_id else 0)

        assert _points(ids["answerer"]) == earned_by_answer(aid, ids["answerer"]) - 1  # its downvote on B
        assert _points(ids["rival"]) == earned_by_answer(bid, ids["rival"]) - 1
        q_ups = sum(1 for (_, qq, _), v in votes.items() if qq == qid and v == 1)
        assert _points(ids["asker"]) == 5 * q_ups + 2 - 1  # accept bonus, its downvote on B
        for uid in voter_ids[8:]:
            mine = votes.get((bid, None, uid), 0)
            assert _points(uid) == (-1 if mine == -1 else 0) == ledger_sum(db.session, uid)
