"""The pure points rules: amounts, who earns, stems, plans and the daily cap (no app, no db)."""
from datetime import datetime

import pytest

from app.points import rules
from app.points.rules import (AnswerAccepted, AnswerUnaccepted, Plan, Post, PostDeleted, PostRestored,
                              VoteCast, VoteRetracted)

ASKER, ANSWERER, VOTER, MOD = 1, 2, 3, 9
QUESTION = Post("question", 10, 10, ASKER)
ANSWER = Post("answer", 20, 10, ANSWERER)
OTHER_ANSWER = Post("answer", 21, 10, 4)


def triples(plan: Plan):
    return [(a.user_id, a.amount, a.reason) for a in plan.award]


def test_the_table_is_complete_and_explained():
    assert {r.code: r.amount for r in rules.RULES.values()} == {
        "question_upvoted": 5, "answer_upvoted": 10, "question_downvoted": -2, "answer_downvoted": -2,
        "downvote_cast": -1, "answer_accepted": 15, "accepted_answer": 2,
        "article_published": 25, "article_helpful": 1, "article_fixed": 2,
        # Variable amounts (the bounty, the reversed entry): the table holds the sign.
        "bounty_offered": -1, "bounty_awarded": 1, "bounty_refund": 1, "fraud_reversal": -1}
    for rule in rules.RULES.values():
        assert len(rule.code) <= 32 and rule.why and str(rule.label)  # labels render without an app
    assert {c for c, r in rules.RULES.items() if r.capped} == {"question_upvoted", "answer_upvoted", "article_helpful"}
    assert rules.label("answer_upvoted") is rules.ANSWER_UPVOTED.label
    assert rules.label("retired_code") == "retired_code"


@pytest.mark.parametrize("post, value, expected", [
    (QUESTION, 1, [(ASKER, 5, "question_upvoted")]),
    (ANSWER, 1, [(ANSWERER, 10, "answer_upvoted")]),
    (QUESTION, -1, [(ASKER, -2, "question_downvoted")]),  # no cost for downvoting a question
    (ANSWER, -1, [(ANSWERER, -2, "answer_downvoted"), (VOTER, -1, "downvote_cast")]),
])
def test_first_vote(post, value, expected):
    plan = rules.plan(VoteCast(post, VOTER, value, 0))
    assert plan.reverse == () and triples(plan) == expected
    assert all(a.question_id == 10 and a.answer_id == post.answer_id and a.actor_id == VOTER
               for a in plan.award)


def test_changed_vote_reverses_the_old_facts_and_awards_the_new():
    plan = rules.plan(VoteCast(ANSWER, VOTER, -1, 1))
    assert plan.reverse == ("vote:a20:u3:up",)
    assert [a.stem for a in plan.award] == ["vote:a20:u3:down", "vote:a20:u3:down:cost"]
    back = rules.plan(VoteCast(ANSWER, VOTER, 1, -1))
    assert back.reverse == ("vote:a20:u3:down", "vote:a20:u3:down:cost")
    assert triples(back) == [(ANSWERER, 10, "answer_upvoted")]


def test_retraction_only_reverses():
    assert rules.plan(VoteRetracted(ANSWER, VOTER, 1)) == Plan(reverse=("vote:a20:u3:up",))
    assert rules.plan(VoteRetracted(QUESTION, VOTER, -1)).reverse == ("vote:q10:u3:down", "vote:q10:u3:down:cost")


def test_stems_name_the_fact_not_the_amount_or_recipient():
    orphan = Post("answer", 20, 10, None)  # the author's account is gone
    assert [a.stem for a in rules.vote_awards(ANSWER, VOTER, 1)] == rules.vote_stems(orphan, VOTER, 1)
    # Nobody to reward, but the voter still pays for a downvote.
    assert [(a.user_id, a.amount) for a in rules.vote_awards(orphan, VOTER, -1)] == [(VOTER, -1)]
    assert rules.vote_awards(ANSWER, ANSWERER, 1) == []  # a self-vote (the service refuses it anyway)
    assert rules.vote_awards(ANSWER, VOTER, 0) == []


def test_accept_by_the_asker_rewards_both():
    plan = rules.plan(AnswerAccepted(ANSWER, ASKER, ASKER))
    assert triples(plan) == [(ANSWERER, 15, "answer_accepted"), (ASKER, 2, "accepted_answer")]
    assert [a.stem for a in plan.award] == ["accept:a20", "accept:a20:asker"]


def test_accept_by_a_moderator_rewards_the_answerer_only():
    assert triples(rules.plan(AnswerAccepted(ANSWER, ASKER, MOD))) == [(ANSWERER, 15, "answer_accepted")]


@pytest.mark.parametrize("accepter", [ASKER, MOD])
def test_self_accept_earns_nothing(accepter):
    own = Post("answer", 22, 10, ASKER)
    assert rules.plan(AnswerAccepted(own, ASKER, accepter)).award == ()


def test_switching_the_accept_reverses_the_previous_answer():
    plan = rules.plan(AnswerAccepted(ANSWER, ASKER, ASKER, previous=OTHER_ANSWER))
    assert plan.reverse == ("accept:a21", "accept:a21:asker")
    assert rules.plan(AnswerUnaccepted(ANSWER)) == Plan(reverse=("accept:a20", "accept:a20:asker"))


def test_accept_withdraws_every_other_rewarded_accept_once():
    stale = Post("answer", 21, 10, None)  # the ledger found it still rewarded
    plan = rules.plan(AnswerAccepted(ANSWER, ASKER, ASKER, previous=OTHER_ANSWER, withdraw=(stale, ANSWER)))
    assert plan.reverse == ("accept:a21", "accept:a21:asker")  # deduplicated; never itself


def test_delete_by_a_moderator_reverses_the_post_but_not_a_self_delete():
    assert rules.plan(PostDeleted(ANSWER, MOD)) == Plan(reverse_post=ANSWER)
    assert not rules.plan(PostDeleted(ANSWER, ANSWERER))


def test_restore_re_awards_from_the_current_state():
    plan = rules.plan(PostRestored(ANSWER, MOD, votes=((3, 1), (5, -1)), is_accepted=True, asker_id=ASKER))
    assert triples(plan) == [(ANSWERER, 10, "answer_upvoted"), (ANSWERER, -2, "answer_downvoted"),
                             (5, -1, "downvote_cast"), (ANSWERER, 15, "answer_accepted")]
    # The accepter of a restored answer is unknown: no bonus is invented.
    assert rules.plan(PostRestored(QUESTION, MOD, votes=((3, 1),))).award[0].amount == 5


def test_unknown_events_are_refused():
    with pytest.raises(TypeError):
        rules.plan("vote")


@pytest.mark.parametrize("amount, earned, expected", [
    (10, 0, 10), (10, 195, 5), (10, 200, 0), (10, 260, 0), (5, 196, 4),
    (10, -30, 10),  # reversals today leave room, but never pay more than the rule
    (-2, 500, -2), (-1, 0, -1),  # losses are never capped
])
def test_capped_amount(amount, earned, expected):
    assert rules.capped_amount(amount, earned) == expected


def test_cap_reaches_exactly_the_limit():
    earned = 0
    for _ in range(25):
        earned += rules.capped_amount(10, earned)
    assert earned == rules.DAILY_UPVOTE_CAP == 200
    assert rules.capped_amount(15, 0, cap=10) == 10


def test_utc_day():
    start, end = rules.utc_day(datetime(2026, 3, 1, 23, 59, 59, 999))
    assert (start, end) == (datetime(2026, 3, 1), datetime(2026, 3, 2))
