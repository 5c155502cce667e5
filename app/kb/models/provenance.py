"""Where an article's knowledge came from (source questions and answers) and who is credited."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

CREDIT_ROLES = ("answerer", "asker", "editor")


class ArticleSource(Base):
    """One promoted answer (and its question). An answer is promoted once: the unique key is what
    makes a second promotion a 409, concurrent ones included. The attribution of imported posts
    (address, author, licence) is copied here, so it survives the post's deletion."""
    __tablename__ = "kb_article_sources"
    __table_args__ = (UniqueConstraint("answer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"))
    question_url: Mapped[str | None] = mapped_column(String(300))   # imported: the original question
    source_url: Mapped[str | None] = mapped_column(String(300))     # imported: the original answer
    source_author: Mapped[str | None] = mapped_column(String(100))
    license: Mapped[str | None] = mapped_column(String(40))
    version_number: Mapped[int] = mapped_column(Integer, default=1)  # the version it went into
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ArticleCredit(Base):
    """A person credited on the article: the answerer, the asker, the editors. ``name`` keeps
    imported authors who have no account here."""
    __tablename__ = "kb_article_credits"
    __table_args__ = (UniqueConstraint("article_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
