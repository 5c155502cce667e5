"""Points operations: `flask points verify|rebuild`, imported content, concurrent votes."""
from __future__ import annotations

import threading

from sqlalchemy import func, select, update
from test_importer import dump  # noqa: F401  (the importer's fixture dump)
from test_points_ledger import cast, commit_and_check, pts, vote  # noqa: F401  (fixture, helpers)

from app.accounts.models import User
from app.db import intent
from app.forum import services
from app.forum.models import Answer, Question, Vote
from app.points.models import PointsEntry
from app.points.queries import ledger_sum, verify


# --- imported content ------------------------------------------------------------------------------

def test_import_earns_by_the_rules_and_unaccepting_reverses_it(app, db, dump, make_user):
    """The dump: question 1 by Alice (five anonymous upvotes), answer 3 by bob (one upvote),
    accepted. Points as live activity would earn them; verify passes; a re-import adds nothing."""
    from app.importer.loader import import_dump

    report = import_dump(db.session, dump)
    commit_and_check(db)
    alice, bob = (db.session.scalar(select(User).where(User.source_id == i)) for i in (1, 2))
    assert (pts(db, alice), pts(db, bob)) == (5 * 5 + 2, 10 + 15)
    assert report.points_entries == 8 and "8 points entries" in report.summary()
    assert app.test_cli_runner().invoke(args=["points", "verify"]).exit_code == 0
    import_dump(db.session, dump)  # idempotent: nothing new, no points again
    commit_and_check(db)
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 8
    accepted = db.session.scalar(select(Answer).join(Question, Question.accepted_answer_id == Answer.id))
    services.unaccept_answer(db.session, accepted, by=make_user("moderator"))
    commit_and_check(db)
    assert (pts(db, alice), pts(db, bob)) == (25, 10)
    vote(db, accepted, 1, make_user("staff"))  # live activity on imported content counts too
    assert pts(db, bob) == 20


# --- maintenance commands --------------------------------------------------------------------------

def test_points_verify_and_rebuild_cli(app, db, cast):
    vote(db, cast.answer, 1, cast.voter)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code == 0, result.output
    db.session.execute(update(User).where(User.id == cast.answerer.id).values(points=999))
    db.session.commit()
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code == 1
    assert f"user {cast.answerer.id} ({cast.answerer.username}): cached 999, ledger 10" in result.output
    result = runner.invoke(args=["points", "rebuild"])
    assert result.exit_code == 0 and "1 cached total(s) changed." in result.output
    db.session.expire_all()
    assert pts(db, cast.answerer) == 10 == ledger_sum(db.session, cast.answerer.id)
    assert runner.invoke(args=["points", "verify"]).exit_code == 0
    assert "0 cached total(s) changed." in runner.invoke(args=["points", "rebuild"]).output


# --- concurrency -----------------------------------------------------------------------------------

def test_concurrent_votes_pay_exactly_once(app, db, make_user, cast):
    voters = [make_user("customer") for _ in range(15)]
    flipper = make_user("customer", points=125)  # votes down: a privilege (pts() leaves the grant out)
    answer_id, answerer_id, errors = cast.answer.id, cast.answerer.id, []

    def run(user_id: int, values):
        try:
            with app.app_context(), intent(True):
                for value in values:
                    services.set_vote(db.session, db.session.get(Answer, answer_id), value,
                                      by=db.session.get(User, user_id))
                    db.session.commit()
        except Exception as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(u.id, [1])) for u in voters]
    threads += [threading.Thread(target=run, args=(flipper.id, [1, -1, 0, -1, 1, -1])) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()  # end the main thread's snapshot so it sees the threads' commits
    flip = db.session.scalar(select(Vote.value).where(Vote.user_id == flipper.id)) or 0
    expected = 10 * len(voters) + {1: 10, -1: -2, 0: 0}[flip]
    assert pts(db, cast.answerer) == expected == ledger_sum(db.session, answerer_id)
    assert pts(db, flipper) == (-1 if flip == -1 else 0)
    assert verify(db.session) == []
