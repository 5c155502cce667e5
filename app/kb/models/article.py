"""Article (the canonical, owned, reviewed knowledge) and its versions.

An article's *status* is the confidence of its newest version (KCS v6: draft = work in
progress, review = not validated, published = validated, needs_review, archived). What readers
see is ``published_version_id``, set only by publishing: a newer draft or a version waiting
for review never reaches them, and an article that was published stays readable (its last
published version) while a fix is in review or while it needs review. Archived articles are
read by curators and owners only.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Team, User
from app.db import Base, utcnow


class Status(str, enum.Enum):
    draft = "draft"
    review = "review"
    published = "published"
    needs_review = "needs_review"
    archived = "archived"


STATUSES = tuple(s.value for s in Status)
# The structured sections of KCS, in reading order; resolution is the one that must be there.
SECTIONS = ("issue", "environment", "resolution", "cause")


class Article(Base):
    __tablename__ = "kb_articles"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'review', 'published', 'needs_review', 'archived')", name="status"),
        CheckConstraint("audience IN ('public', 'internal', 'team')", name="audience"),
        CheckConstraint("audience <> 'team' OR team_id IS NOT NULL", name="team_audience"),
        CheckConstraint("owner_user_id IS NULL OR owner_team_id IS NULL", name="one_owner"),
        # The home page's lists walk these in the order they show and stop at the first few
        # readable ones (an index led by the audience would make the database sort them all).
        Index("ix_kb_articles_published_at", "published_at"),
        Index("ix_kb_articles_popularity", "popularity"),
        Index("ix_kb_articles_status_review_by", "status", "review_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(16), default=Status.draft.value)
    audience: Mapped[str] = mapped_column(String(10), default="internal")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    owner_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    primary_category_id: Mapped[int | None] = mapped_column(ForeignKey("kb_categories.id", ondelete="SET NULL"))
    # use_alter: articles <-> versions reference each other.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_article_versions.id", use_alter=True, ondelete="SET NULL"))
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_article_versions.id", use_alter=True, ondelete="SET NULL"))
    review_by: Mapped[date | None] = mapped_column(Date)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Why it needs review (expired | flagged | source_changed | unhelpful | manual), for the queue.
    review_reason: Mapped[str | None] = mapped_column(String(20))
    first_published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Counters kept by the services in the same transaction as their rows.
    reuse_count: Mapped[int] = mapped_column(Integer, default=0)
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    unhelpful_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    # Views plus weighted helpful votes of the last 30 days (app.kb.services.stats).
    popularity: Mapped[int] = mapped_column(Integer, default=0)
    # Attribution when some source is imported content (CC BY-SA): the first source's.
    source_url: Mapped[str | None] = mapped_column(String(300))
    source_author: Mapped[str | None] = mapped_column(String(100))
    license: Mapped[str | None] = mapped_column(String(40))

    team: Mapped[Team | None] = relationship(foreign_keys=[team_id], lazy="joined")
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id], lazy="joined")
    owner_team: Mapped[Team | None] = relationship(foreign_keys=[owner_team_id], lazy="joined")

    @property
    def is_readable(self) -> bool:
        """Whether readers (within the audience) get a page at all."""
        return self.published_version_id is not None and self.status != Status.archived.value

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.status}>"


class ArticleVersion(Base):
    """One saved state of an article's text. Every save is a new row; nothing is updated but
    ``published_at`` (the first time the version was published)."""
    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    issue_md: Mapped[str] = mapped_column(Text, default="")
    issue_html: Mapped[str] = mapped_column(Text, default="")
    environment_md: Mapped[str] = mapped_column(Text, default="")
    environment_html: Mapped[str] = mapped_column(Text, default="")
    resolution_md: Mapped[str] = mapped_column(Text, default="")
    resolution_html: Mapped[str] = mapped_column(Text, default="")
    cause_md: Mapped[str] = mapped_column(Text, default="")
    cause_html: Mapped[str] = mapped_column(Text, default="")
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")
    restored_from: Mapped[int | None] = mapped_column(Integer)  # the number it copies, for a restore
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    editor: Mapped[User | None] = relationship(lazy="joined")

    def section_md(self, name: str) -> str:
        return getattr(self, f"{name}_md") or ""

    def section_html(self, name: str) -> str:
        return getattr(self, f"{name}_html") or ""


class ArticleCategory(Base):
    """An article belongs to one or more categories (the primary one is on the article)."""
    __tablename__ = "kb_article_categories"

    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_categories.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ArticleTag(Base):
    """The forum's tags on an article (from its source question, then edited)."""
    __tablename__ = "kb_article_tags"

    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ArticleTransition(Base):
    """The governance log: every change of status, who made it (None: a job), when and why."""
    __tablename__ = "kb_article_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    # A code (promoted, created, published, expired, flagged, source_changed, unhelpful, manual,
    # fixed, restored ...): shown translated; ``note`` is what the person typed, if anything.
    reason: Mapped[str] = mapped_column(String(20), default="manual")
    note: Mapped[str] = mapped_column(String(500), default="")
    version_number: Mapped[int | None] = mapped_column(Integer)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    by: Mapped[User | None] = relationship(lazy="joined")
