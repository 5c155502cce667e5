"""The points ledger through the real forum services and signals (SQLite; PostgreSQL in
tests/postgres/test_pg_points.py). After every step the cached totals equal the ledger sums.
Commands, imports and concurrency: test_points_operations.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from app.accounts.models import User
from app.forum import services
from app.forum.models import Answer, Question
from app.points import handlers, ledger, rules
from app.points.models import AppendOnlyViolation, PointsEntry
from app.points.queries import verify
from app.signals import answer_accepted, vote_cast
from config import TestingConfig


@dataclass
class Cast:
    asker: User
    answerer: User
    rival: User
    voter: User
    voter2: User
    mod: User
    question: Question
    answer: Answer
    other: Answer


@pytest.fixture
def cast(db, make_user) -> Cast:
    asker, answerer, rival = make_user("staff"), make_user("expert"), make_user("expert")
    # The voters vote down, a privilege earned by points: they get the standing as a "test_grant"
    # entry, which pts() and keys() leave out so the rules' own amounts are what is checked.
    voter, voter2, mod = make_user("staff", points=125), make_user("staff", points=125), make_user("moderator")
    q = services.ask_question(db.session, title="How do I reverse a duplicate card charge?",
                              body="The customer was charged twice at a petrol station.", tags=["cards"], by=asker)
    a = services.post_answer(db.session, q, body="Open a dispute in the card admin tool.", by=answerer)
    other = services.post_answer(db.session, q, body="Wait two days: the hold usually drops.", by=rival)
    db.session.commit()
    return Cast(asker, answerer, rival, voter, voter2, mod, q, a, other)


def pts(db, user) -> int:
    """The cached total as stored (not an in-memory copy), less the standing a test granted."""
    granted = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0))
                                .where(PointsEntry.user_id == user.id, PointsEntry.reason == "test_grant"))
    return db.session.scalar(select(User.points).where(User.id == user.id)) - granted


def commit_and_check(db) -> None:
    db.session.commit()
    assert verify(db.session) == []


def keys(db, user) -> list[str]:
    return list(db.session.scalars(select(PointsEntry.idempotency_key)
                                   .where(PointsEntry.user_id == user.id, PointsEntry.reason != "test_grant")
                                   .order_by(PointsEntry.id)))


def vote(db, post, value, by):
    services.set_vote(db.session, post, value, by=by)
    commit_and_check(db)


# --- votes -----------------------------------------------------------------------------------------

def test_answer_vote_up_change_retract_and_revote(db, cast):
    a, answerer, voter = cast.answer, cast.answerer, cast.voter
    vote(db, a, 1, voter)
    assert (pts(db, answerer), pts(db, voter)) == (10, 0)
    vote(db, a, 1, voter)  # repeating is a no-op in the service: no signal, no entry
    assert len(keys(db, answerer)) == 1
    vote(db, a, -1, voter)
    assert (pts(db, answerer), pts(db, voter)) == (-2, -1)
    vote(db, a, 0, voter)
    assert (pts(db, answerer), pts(db, voter)) == (0, 0)
    vote(db, a, 1, voter)  # a re-vote after the retraction pays again: a new generation
    assert (pts(db, answerer), pts(db, voter)) == (10, 0)
    stem = f"vote:a{a.id}:u{voter.id}"
    assert keys(db, answerer) == [f"{stem}:up/g0", f"{stem}:up/g0/rev", f"{stem}:down/g0",
                                  f"{stem}:down/g0/rev", f"{stem}:up/g1"]
    assert keys(db, voter) == [f"{stem}:down:cost/g0", f"{stem}:down:cost/g0/rev"]
    reversal = db.session.scalar(select(PointsEntry).where(PointsEntry.idempotency_key == f"{stem}:up/g0/rev"))
    original = db.session.get(PointsEntry, reversal.reverses_id)
    assert (original.idempotency_key, reversal.amount, reversal.reason, reversal.answer_id) == \
        (f"{stem}:up/g0", -10, "answer_upvoted", a.id)


def test_question_votes_cost_the_voter_nothing(db, cast):
    vote(db, cast.question, 1, cast.voter)
    vote(db, cast.question, -1, cast.voter2)
    assert (pts(db, cast.asker), pts(db, cast.voter), pts(db, cast.voter2)) == (3, 0, 0)
    vote(db, cast.question, -1, cast.voter)
    assert pts(db, cast.asker) == -4


def test_a_rolled_back_vote_leaves_no_points(db, cast):
    services.set_vote(db.session, cast.answer, 1, by=cast.voter)
    db.session.rollback()
    assert pts(db, cast.answerer) == 0
    assert db.session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.reason != "test_grant")) == 0


# --- accepts ---------------------------------------------------------------------------------------

def test_accept_switch_unaccept_and_reaccept(db, cast):
    services.accept_answer(db.session, cast.answer, by=cast.asker)
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.asker), pts(db, cast.rival)) == (15, 2, 0)
    services.accept_answer(db.session, cast.other, by=cast.asker)
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.asker), pts(db, cast.rival)) == (0, 2, 15)
    services.unaccept_answer(db.session, cast.other, by=cast.asker)
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.asker), pts(db, cast.rival)) == (0, 0, 0)
    services.accept_answer(db.session, cast.answer, by=cast.asker)
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.asker)) == (15, 2)
    assert keys(db, cast.answerer)[-1] == f"accept:a{cast.answer.id}/g1"


def test_an_accept_sent_with_a_stale_previous_still_leaves_one_rewarded_answer(db, cast):
    """Two concurrent accepts can both be sent previous=None (tests/postgres covers the race)."""
    services.accept_answer(db.session, cast.answer, by=cast.asker)
    commit_and_check(db)
    cast.question.accepted_answer_id = cast.other.id
    db.session.flush()
    answer_accepted.send(cast.other, by=cast.asker, previous=None)
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.rival), pts(db, cast.asker)) == (0, 15, 2)


def test_moderator_accept_rewards_only_the_answerer(db, cast):
    services.accept_answer(db.session, cast.answer, by=cast.mod)
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.asker), pts(db, cast.mod)) == (15, 0, 0)


def test_self_accept_gives_nothing(db, cast):
    own = services.post_answer(db.session, cast.question, body="Solved it myself: it was a hold.",
                               by=cast.asker)
    services.accept_answer(db.session, own, by=cast.asker)
    commit_and_check(db)
    assert pts(db, cast.asker) == 0 and keys(db, cast.asker) == []


# --- delete and undelete ---------------------------------------------------------------------------

def test_moderator_delete_reverses_everything_on_the_post_and_undelete_re_awards(db, cast):
    vote(db, cast.answer, 1, cast.voter)
    vote(db, cast.answer, -1, cast.voter2)
    services.accept_answer(db.session, cast.answer, by=cast.asker)
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.voter2), pts(db, cast.asker)) == (23, -1, 2)

    services.delete_post(db.session, cast.answer, by=cast.mod)
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.voter2), pts(db, cast.asker)) == (0, 0, 0)
    assert db.session.scalar(select(func.count(PointsEntry.id)).where(
        PointsEntry.answer_id == cast.answer.id, PointsEntry.reverses_id.is_not(None))) == 5  # each fact once

    services.undelete_post(db.session, cast.answer, by=cast.mod)
    commit_and_check(db)
    # The votes stand again; the accept was withdrawn by the delete and stays withdrawn.
    assert (pts(db, cast.answerer), pts(db, cast.voter2), pts(db, cast.asker)) == (8, -1, 0)
    services.undelete_post(db.session, cast.answer, by=cast.mod)  # a no-op: nothing doubles
    commit_and_check(db)
    assert pts(db, cast.answerer) == 8


def test_authors_own_delete_keeps_points(db, cast):
    vote(db, cast.answer, -1, cast.voter)
    services.delete_post(db.session, cast.answer, by=cast.answerer)
    commit_and_check(db)
    assert pts(db, cast.answerer) == -2  # deleting a downvoted post does not wash out the penalty
    services.undelete_post(db.session, cast.answer, by=cast.answerer)
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.voter)) == (-2, -1)


def test_question_delete_touches_only_the_questions_own_points(db, cast):
    vote(db, cast.question, 1, cast.voter)
    vote(db, cast.answer, 1, cast.voter)
    services.delete_post(db.session, cast.question, by=cast.mod)
    commit_and_check(db)
    assert (pts(db, cast.asker), pts(db, cast.answerer)) == (0, 10)
    services.undelete_post(db.session, cast.question, by=cast.mod)
    commit_and_check(db)
    assert (pts(db, cast.asker), pts(db, cast.answerer)) == (5, 10)


# --- idempotency and append-only -------------------------------------------------------------------

def test_replayed_signal_and_repeated_calls_write_nothing(db, cast):
    vote(db, cast.answer, -1, cast.voter)
    before = keys(db, cast.answerer) + keys(db, cast.voter)
    vote_cast.send(cast.answer, by=cast.voter, value=-1, previous=0)  # the same event again
    ref = handlers.post_ref(cast.answer)
    item = rules.vote_awards(ref, cast.voter.id, -1)[0]
    assert ledger.award(db.session, item) is None
    ledger.reverse(db.session, f"vote:a{cast.answer.id}:u{cast.voter.id}:up")  # nothing live: no-op
    commit_and_check(db)
    assert keys(db, cast.answerer) + keys(db, cast.voter) == before


def test_handlers_connect_once_across_apps(app, db, cast):
    receivers = len(vote_cast.receivers)
    create_app(TestingConfig)
    create_app(TestingConfig)
    assert len(vote_cast.receivers) == receivers
    vote(db, cast.answer, 1, cast.voter)
    assert pts(db, cast.answerer) == 10


def test_a_lost_race_on_the_key_is_a_no_op_inside_a_savepoint(db, cast, monkeypatch):
    vote(db, cast.answer, 1, cast.voter)
    item = rules.vote_awards(handlers.post_ref(cast.answer), cast.voter.id, 1)[0]
    # Pretend the check ran before a concurrent twin committed: the unique key stops it.
    monkeypatch.setattr(ledger, "stem_state", lambda session, stem: ledger.StemState(None, 0))
    services.set_vote(db.session, cast.question, 1, by=cast.voter2)  # work done before, kept
    assert ledger.award(db.session, item) is None
    monkeypatch.undo()
    commit_and_check(db)
    assert (pts(db, cast.answerer), pts(db, cast.asker)) == (10, 5)


def test_entries_cannot_be_updated_or_deleted(db, cast):
    vote(db, cast.answer, 1, cast.voter)
    entry = db.session.scalar(select(PointsEntry))
    entry.amount = 1000
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(PointsEntry)))
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    assert pts(db, cast.answerer) == 10


# --- the daily cap ---------------------------------------------------------------------------------

def test_daily_upvote_cap(db, make_user, cast, monkeypatch):
    monkeypatch.setattr(rules, "DAILY_UPVOTE_CAP", 25)
    voters = [cast.voter, cast.voter2, make_user("staff"), make_user("staff")]
    for v in voters:
        vote(db, cast.answer, 1, v)
    amounts = db.session.scalars(select(PointsEntry.amount).where(PointsEntry.user_id == cast.answerer.id)
                                 .order_by(PointsEntry.id)).all()
    assert amounts == [10, 10, 5, 0] and pts(db, cast.answerer) == 25
    vote(db, cast.answer, 0, voters[3])  # reverses exactly what it paid: 0
    vote(db, cast.answer, 0, voters[0])  # -10 today leaves room for 10 more
    vote(db, cast.answer, 1, voters[0])
    assert pts(db, cast.answerer) == 25
    services.accept_answer(db.session, cast.answer, by=cast.asker)  # accepts are not capped
    commit_and_check(db)
    assert pts(db, cast.answerer) == 40
    # The allowance is per UTC day: spent today, fresh tomorrow.
    ref, today = handlers.post_ref(cast.answer), ledger.utcnow()
    late = ledger.award(db.session, rules.vote_awards(ref, make_user("staff").id, 1)[0], now=today)
    tomorrow = rules.utc_day(today)[1] + timedelta(hours=1)
    fresh = ledger.award(db.session, rules.vote_awards(ref, make_user("staff").id, 1)[0], now=tomorrow)
    commit_and_check(db)
    assert (late.amount, fresh.amount, pts(db, cast.answerer)) == (0, 10, 50)
