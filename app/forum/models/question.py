"""Question, Tag and their association."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Team, User
from app.db import Base, utcnow
from app.forum.models.mixins import Imported, PostBody


class Visibility(str, enum.Enum):
    public = "public"      # everyone, anonymous visitors included
    internal = "internal"  # staff and above
    team = "team"          # members of the question's team, moderators, admins


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(35), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    # Live questions carrying the tag, kept by the services: all of them, and the public and
    # internal ones, so a viewer's count is read from a column instead of a join over every
    # question (see access.visible_tag_count). Team questions are only in question_count.
    question_count: Mapped[int] = mapped_column(Integer, default=0)
    public_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    internal_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class QuestionTag(Base):
    __tablename__ = "question_tags"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Question(PostBody, Imported, Base):
    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("source_site", "source_id"),
        Index("ix_questions_last_activity_at", "last_activity_at"),
        # Lists and their counts filter live questions by visibility and sort by time.
        Index("ix_questions_live_visibility_created", "visibility", "created_at",
              sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.public.value, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    # use_alter breaks the questions <-> answers cycle when creating tables.
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", use_alter=True, ondelete="SET NULL"))
    last_activity_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    close_reason: Mapped[str | None] = mapped_column(String(30))
    close_note: Mapped[str | None] = mapped_column(String(500))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary="question_tags", order_by="QuestionTag.position",
                                           lazy="selectin")
    duplicate_of: Mapped["Question | None"] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]

    @property
    def author_name(self) -> str:
        if self.author is not None:
            return self.author.display_name
        return self.source_author or "—"

    def __repr__(self) -> str:
        return f"<Question {self.id}>"
