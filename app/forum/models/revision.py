"""Every version of a question or answer, numbered from 1 (the original post)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base, utcnow


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        UniqueConstraint("answer_id", "number"),
        CheckConstraint("(question_id IS NULL) <> (answer_id IS NULL)", name="one_post"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(String(200))  # questions only
    tags: Mapped[str | None] = mapped_column(String(200))   # space-separated, questions only
    body_md: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
