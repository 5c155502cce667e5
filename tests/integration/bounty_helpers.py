"""Helpers of the bounty and fraud tests: points granted through the ledger (so `verify` holds)."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from app.extensions import db
from app.points import ledger, rules
from app.points.models import PointsEntry

_n = itertools.count(1)


def grant(user, amount: int) -> None:
    """Give ``user`` ``amount`` points through the ledger (a one-off manual entry: a rule's reason
    would be paid the amount of the rule set in force, not ``amount``)."""
    ledger.award(db.session, rules.Award(user_id=user.id, amount=amount, reason=rules.MANUAL,
                                         stem=f"test:grant:{next(_n)}", question_id=None, answer_id=None,
                                         actor_id=None))
    db.session.commit()


def points(user) -> int:
    db.session.refresh(user)
    return user.points


def entries(user, reason: str) -> list[PointsEntry]:
    return list(db.session.scalars(select(PointsEntry).where(PointsEntry.user_id == user.id,
                                                             PointsEntry.reason == reason)
                                   .order_by(PointsEntry.id)))
