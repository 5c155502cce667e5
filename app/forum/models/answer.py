"""Answer."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base
from app.forum.models.mixins import Imported, PostBody
from app.forum.models.question import Question


class Answer(PostBody, Imported, Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("source_site", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    question: Mapped[Question] = relationship(foreign_keys=[question_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")

    @property
    def is_accepted(self) -> bool:
        return self.question.accepted_answer_id == self.id

    @property
    def author_name(self) -> str:
        if self.author is not None:
            return self.author.display_name
        return self.source_author or "—"

    def __repr__(self) -> str:
        return f"<Answer {self.id} on {self.question_id}>"
