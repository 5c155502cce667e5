"""Search log (for the gap list) and staff-maintained synonyms."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class SearchLog(Base):
    """One search as typed, who searched (by role, not identity: the gap list needs no
    names), how many results it had, and the first result clicked, if any.

    ``token`` is generated in the search's request and printed in its result links: a click
    is recorded only for the search whose token it carries (ids are guessable; tokens are
    not). Written by a job after the response, as is the click."""
    __tablename__ = "search_logs"
    __table_args__ = (Index("ix_search_logs_normalized_created_at", "normalized", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(500))
    # Folded and whitespace-collapsed: "Credit  Card" and "credit card" are one gap.
    normalized: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(16))  # "anonymous" or the user's role
    source: Mapped[str] = mapped_column(String(10), default="web")  # web | api
    filters: Mapped[str] = mapped_column(String(300), default="")
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    clicked_key: Mapped[str | None] = mapped_column(String(40))
    clicked_rank: Mapped[int | None] = mapped_column(Integer)
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    token: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)


class Synonym(Base):
    """A group of words or phrases that mean the same, one per line in ``terms``
    (e.g. "信用卡\\ncredit card"). Applied at query time by every backend."""
    __tablename__ = "search_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    terms: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def phrases(self) -> list[str]:
        return [line.strip() for line in self.terms.splitlines() if line.strip()]
