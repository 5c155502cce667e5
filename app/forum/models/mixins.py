"""Columns shared by questions, answers and comments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow


class PostBody:
    """Markdown source and the sanitised HTML rendered from it on write."""
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Imported:
    """Attribution of content imported from a Stack Exchange dump (CC BY-SA)."""
    source_site: Mapped[str | None] = mapped_column(String(100))
    source_id: Mapped[int | None] = mapped_column(Integer)
    source_url: Mapped[str | None] = mapped_column(String(300))
    source_author: Mapped[str | None] = mapped_column(String(100))
    license: Mapped[str | None] = mapped_column(String(40))
