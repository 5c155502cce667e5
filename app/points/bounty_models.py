"""Bounties and the fraud checks' records: who offered what on which question, where each
upvote came from (hashed), and the cases the fraud scan puts in the moderators' queue.

The points themselves are never stored here: every amount moves through the ledger
(``app.points.ledger``); these rows say what the ledger entries were for.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base, utcnow
from app.forum.models import Question


class BountyStatus:
    open = "open"
    awarded = "awarded"
    expired = "expired"


class Bounty(Base):
    __tablename__ = "bounties"
    __table_args__ = (Index("ix_bounties_status_expires_at", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    offerer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=BountyStatus.open)
    # The question's id while the bounty is open, NULL once settled. Unique: two offers racing
    # on one question cannot both stay open (NULLs do not collide, on SQLite and PostgreSQL).
    open_question_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"))
    awarded_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    offerer: Mapped[User] = relationship(foreign_keys=[offerer_id], lazy="joined")
    question: Mapped[Question] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.status == BountyStatus.open


class VoteOrigin(Base):
    """Where a vote came from: keyed hashes of the client's IP and device, never the raw values."""
    __tablename__ = "vote_origins"
    __table_args__ = (Index("ix_vote_origins_voter_created", "voter_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    question_id: Mapped[int | None] = mapped_column(Integer)
    answer_id: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(SmallInteger, default=1)  # +1 | -1
    ip_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    device_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FraudKind:
    repeated = "repeated"            # one voter kept upvoting one person: reversed at once
    shared_origin = "shared_origin"  # the two share an IP or device: flagged, reversed on confirm


class FraudStatus:
    open = "open"
    confirmed = "confirmed"
    dismissed = "dismissed"


class FraudCase(Base):
    __tablename__ = "fraud_cases"
    # One case per kind and pair: a re-run scan adds to it instead of opening a twin.
    __table_args__ = (UniqueConstraint("kind", "voter_id", "target_id", name="uq_fraud_cases_pair"),
                      Index("ix_fraud_cases_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=FraudStatus.open)
    # The ledger entries (upvote awards) the case is about, and what the scan saw.
    entry_ids: Mapped[list] = mapped_column(JSON, default=list)
    reversed_ids: Mapped[list] = mapped_column(JSON, default=list)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    voter: Mapped[User] = relationship(foreign_keys=[voter_id], lazy="joined")
    target: Mapped[User] = relationship(foreign_keys=[target_id], lazy="joined")
