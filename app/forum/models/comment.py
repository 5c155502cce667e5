"""Comment on a question or on an answer (exactly one of the two)."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base
from app.forum.models.mixins import Imported, PostBody


class Comment(PostBody, Imported, Base):
    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("source_site", "source_id"),
        CheckConstraint("(question_id IS NULL) <> (answer_id IS NULL)", name="one_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(lazy="joined")

    @property
    def author_name(self) -> str:
        if self.author is not None:
            return self.author.display_name
        return self.source_author or "—"
