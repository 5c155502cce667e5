"""Expertise data: what routing learns from, what it decided, and what experts told it.

* ``ExpertiseEvent``: an append-only log of the forum facts routing uses (answers, scores,
  acceptances, questions asked, activity), written by signal receivers in the sender's
  transaction. Each process's in-memory index catches up by reading rows with a larger id, so
  an answer, vote or acceptance reaches routing in every worker without a rebuild.
* ``ExpertProfile`` / ``ExpertTag``: availability (call-centre shifts), personal caps, declared
  expertise and tag subscriptions (cold start).
* ``RoutingDecision`` / ``RoutingCandidate``: for each routed question, the ranked candidates
  with scores and reasons, who was notified, declines and re-routes.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base, utcnow


class EventKind(str, enum.Enum):
    answer = "answer"              # an answer exists (posted or undeleted): (re)load it
    answer_removed = "answer_removed"
    score = "score"                # value = the answer's score now (absolute, so replays are idempotent)
    accept = "accept"              # value = 1 accepted, 0 not accepted
    ask = "ask"                    # a question asked: the asker's interests and activity
    retag = "retag"                # a question's tags or scope changed, or it was (un)deleted: reload it
    activity = "activity"          # a comment or another sign of life


class ExpertiseEvent(Base):
    __tablename__ = "expertise_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # No foreign keys: the log outlives what it names (posts are soft-deleted, and the index
    # skips a row whose post is gone), and FK checks would take share locks on hot post rows.
    user_id: Mapped[int | None] = mapped_column(Integer)
    question_id: Mapped[int | None] = mapped_column(Integer)
    answer_id: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer, default=0)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TagInterest(str, enum.Enum):
    declared = "declared"      # "I know about this" on the profile
    subscribed = "subscribed"  # "tell me about new questions here"


class ExpertProfile(Base):
    __tablename__ = "expert_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    is_available: Mapped[bool] = mapped_column(Boolean, default=True)
    # Away until this time (end of a shift or a holiday); None = until switched back.
    away_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Personal caps; None = the site's EXPERTS_MAX_OPEN_ROUTES / EXPERTS_DAILY_NOTIFICATIONS.
    max_open_routes: Mapped[int | None] = mapped_column(Integer)
    daily_limit: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()

    def is_away(self, now: datetime) -> bool:
        if self.is_available:
            return False
        return self.away_until is None or self.away_until > now


class ExpertTag(Base):
    __tablename__ = "expert_tags"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DecisionStatus(str, enum.Enum):
    routed = "routed"                # someone was notified
    no_candidates = "no_candidates"  # nobody could be asked (all away, capped or without access)
    answered = "answered"            # a routed expert (or anyone) answered


class RoutingDecision(Base):
    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=DecisionStatus.routed.value)
    # The weights in force when it was decided, so a decision stays explainable after tuning.
    weights: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    candidates: Mapped[list["RoutingCandidate"]] = relationship(
        back_populates="decision", order_by="RoutingCandidate.rank", cascade="all, delete-orphan")


class CandidateState(str, enum.Enum):
    ranked = "ranked"        # considered, not asked (yet)
    notified = "notified"    # asked; counts towards their open load until answered or closed
    declined = "declined"
    answered = "answered"
    withdrawn = "withdrawn"  # a moderator took the route back


class RoutingCandidate(Base):
    __tablename__ = "routing_candidates"
    __table_args__ = (
        UniqueConstraint("decision_id", "user_id"),
        # Open load and "routed to me": a user's notified routes.
        Index("ix_routing_candidates_user_id_state", "user_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("routing_decisions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    # [{"code": ..., params...}]: codes, not sentences, so each viewer reads them in their language.
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(12), default=CandidateState.ranked.value)
    is_exploration: Mapped[bool] = mapped_column(Boolean, default=False)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)
    declined_at: Mapped[datetime | None] = mapped_column(DateTime)
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when a moderator routed by hand.
    routed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    decision: Mapped[RoutingDecision] = relationship(back_populates="candidates")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
