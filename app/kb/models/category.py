"""The knowledge tree: categories with a parent, a position among siblings, an owner team,
a default audience and a review period."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

AUDIENCES = ("public", "internal", "team")


class Category(Base):
    __tablename__ = "kb_categories"
    __table_args__ = (
        CheckConstraint("default_audience IN ('public', 'internal', 'team')", name="audience"),
        CheckConstraint("review_days BETWEEN 1 AND 3650", name="review_days"),
        Index("ix_kb_categories_parent_position", "parent_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    # No ON DELETE: a category with children or articles cannot be deleted (the service says so).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("kb_categories.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    owner_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    # What a new article written in this category starts with (never wider than its sources).
    default_audience: Mapped[str] = mapped_column(String(10), default="internal")
    review_days: Mapped[int] = mapped_column(Integer, default=180)
    # Articles readers can see here or in a subcategory (each once), kept by the services like
    # the forum's tag counts (app.kb.services.categories.recount): public ones, internal ones,
    # and all of them (team articles are in ``total_count`` only, which only curators are shown).
    public_count: Mapped[int] = mapped_column(Integer, default=0)
    internal_count: Mapped[int] = mapped_column(Integer, default=0)
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<Category {self.id} {self.name!r}>"
