"""The points ledger: one row per award or reversal, never updated or deleted by the code.

A user's ``User.points`` is a cache of ``SUM(amount)`` over their rows; ``flask points
verify`` checks it and ``flask points rebuild`` repairs it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow


class PointsEntry(Base):
    __tablename__ = "points_entries"
    __table_args__ = (
        # A user's history newest first, and the daily-cap sum over one user's day.
        Index("ix_points_entries_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT (the default): a user with a history is deactivated, not deleted, so their
    # entries (and the points they gave others by voting) stay explainable.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))  # a code of app.points.rules.RULES
    # The post the points were earned on; an answer's entries carry its question too, so a
    # reader checks visibility with one lookup. Deliberately no foreign keys: PostgreSQL's FK
    # check takes FOR KEY SHARE on the post, which conflicts with the FOR UPDATE a vote holds
    # on it, and a vote on an answer writing an entry that names the question deadlocked
    # against a vote on that question (tests/postgres/test_pg_points.py). Posts are only
    # soft-deleted, and a reader treats an id with no visible question as hidden.
    question_id: Mapped[int | None] = mapped_column(Integer, index=True)
    answer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # "<stem>/g<generation>" for an award, plus "/rev" for its reversal (see app.points.ledger).
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    # The stem alone, indexed: finds a fact's live entry and its next generation in one lookup.
    key_stem: Mapped[str] = mapped_column(String(140), index=True)
    # Set on a reversal: the award it cancels. Unique, so an entry is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The rule set version the amount was computed under (app.points.ruleset); NULL or 0: the
    # code defaults of app.points.rules. Kept so that changing the rules never rewrites history.
    rule_version: Mapped[int | None] = mapped_column(Integer)
    # A manual award's reason, as the admin typed it (reason code "manual"); NULL otherwise.
    note: Mapped[str | None] = mapped_column(String(500))

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    def __repr__(self) -> str:
        return f"<PointsEntry {self.id} user={self.user_id} {self.amount:+d} {self.idempotency_key}>"


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or delete a ledger entry."""


@event.listens_for(PointsEntry, "before_update")
@event.listens_for(PointsEntry, "before_delete")
def _refuse_change(_mapper, _connection, target: PointsEntry) -> None:
    # The ledger is append-only (DESIGN.md convention 8): a correction is a new entry.
    raise AppendOnlyViolation(f"{target!r} is append-only; write a reversal instead")


class PointsRuleVersion(Base):
    """One saved rule set: the amount of every editable rule, which of them are capped, and the
    daily cap. Append-only like the ledger: a change is a new version, and entries name the
    version they were made under (``PointsEntry.rule_version``)."""
    __tablename__ = "points_rule_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 1, 2, 3 ... unique: two admins saving at once cannot both become version n.
    version: Mapped[int] = mapped_column(Integer, unique=True)
    # {"amounts": {code: int}, "capped": [code, ...], "daily_upvote_cap": int}
    settings: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(500))

    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<PointsRuleVersion v{self.version}>"


@event.listens_for(PointsRuleVersion, "before_update")
@event.listens_for(PointsRuleVersion, "before_delete")
def _refuse_version_change(_mapper, _connection, target: PointsRuleVersion) -> None:
    raise AppendOnlyViolation(f"{target!r} is history; save a new version instead")


# Leaderboards (app/points/leaderboard.py) sum amounts per user, over a period or all time, and
# for most viewers only on questions they may see: covering indexes let both scans read the
# index alone, never the table (at 1M entries on SQLite the all-time sum went from 0.6 s to 0.1 s).
Index("ix_points_entries_board_period", PointsEntry.created_at, PointsEntry.user_id, PointsEntry.question_id,
      PointsEntry.amount)
Index("ix_points_entries_board_user", PointsEntry.user_id, PointsEntry.question_id, PointsEntry.amount)
