"""The pure parts of bounties and fraud checks: amounts, stems, refusals, the threshold."""
from __future__ import annotations

import pytest

from app.points import rules

ANSWER = rules.Post("answer", 7, 3, 42)


def test_offer_award_and_refund_move_the_bounty_through_two_stems():
    offer = rules.bounty_offer(5, 9, 3, 120)
    assert (offer.user_id, offer.amount, offer.reason, offer.stem) == (9, -120, "bounty_offered", "bounty:b5:offer")
    award = rules.bounty_award(5, 3, ANSWER, 120, 9)
    refund = rules.bounty_refund(5, 9, 3, 120)
    assert (award.user_id, award.amount, award.answer_id) == (42, 120, 7)
    assert (refund.user_id, refund.amount, refund.reason) == (9, 60, "bounty_refund")
    # Award and refund share the settle stem: the ledger writes at most one of them.
    assert award.stem == refund.stem == rules.bounty_stems(5)[1] != offer.stem
    assert not award.capped and not refund.capped


@pytest.mark.parametrize("amount, refunded", [(50, 25), (51, 25), (101, 50), (0, 0), (-4, 0)])
def test_half_is_refunded_rounded_down(amount, refunded):
    assert rules.bounty_refund_amount(amount) == refunded


@pytest.mark.parametrize("kwargs, expected", [
    ({"amount": 50, "balance": 50, "is_open": True, "has_open_bounty": False}, None),
    ({"amount": 49, "balance": 500, "is_open": True, "has_open_bounty": False}, "too_small"),
    ({"amount": 60, "balance": 59, "is_open": True, "has_open_bounty": False}, "too_large"),
    ({"amount": 60, "balance": 500, "is_open": True, "has_open_bounty": True}, "exists"),
    ({"amount": 60, "balance": 500, "is_open": False, "has_open_bounty": False}, "closed"),
])
def test_offer_refusals(kwargs, expected):
    assert rules.bounty_refusal(**kwargs) == expected


def test_fraud_threshold_and_labels():
    assert rules.exceeds_threshold(10, 10) and not rules.exceeds_threshold(9, 10)
    assert not rules.exceeds_threshold(100, 0)  # 0 turns the check off
    assert str(rules.label("fraud_reversal")) == "Reversed: suspected vote fraud"
    assert set(rules.UPVOTE_REASONS) == {"question_upvoted", "answer_upvoted"}
