"""What readers and staff tell an article: helpful votes, flags, reuse links, daily views."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base, utcnow

FLAG_REASONS = ("outdated", "incorrect", "unclear", "duplicate")


class ArticleFeedback(Base):
    """"Was this helpful?": one row per user per article, or per anonymous visitor per article
    per day (``visitor_key``: a keyed hash, never the address or cookie itself). The unique
    keys make a replayed request meet its own row instead of adding one."""
    __tablename__ = "kb_article_feedback"
    __table_args__ = (
        UniqueConstraint("article_id", "user_id"),
        UniqueConstraint("article_id", "visitor_key", "day"),
        Index("ix_kb_article_feedback_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    visitor_key: Mapped[str | None] = mapped_column(String(64))
    address_key: Mapped[str | None] = mapped_column(String(64))  # bounds anonymous votes per address
    day: Mapped[date] = mapped_column(Date)
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(String(1000), default="")
    version_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User | None] = relationship(lazy="joined")


class ArticleFlag(Base):
    """"Flag it": a member of staff says the article is outdated, incorrect, unclear or a
    duplicate; it waits in the owner's queue until resolved."""
    __tablename__ = "kb_article_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(String(1000), default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(String(500), default="")

    by: Mapped[User | None] = relationship(foreign_keys=[by_id], lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ReuseLink(Base):
    """"Answered by article X": staff linked an existing article to a question instead of
    retyping it. Each link is one reuse (KCS: reuse is review)."""
    __tablename__ = "kb_reuse_links"
    __table_args__ = (UniqueConstraint("article_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    by: Mapped[User | None] = relationship(lazy="joined")


class ArticleDailyViews(Base):
    """Page views per article per UTC day (buffered in memory, written by a job), for
    "popular in the last 30 days"."""
    __tablename__ = "kb_article_daily_views"

    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
