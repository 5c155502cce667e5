"""A notification for one user: what happened, about which question, and why."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # "Mine after id N" (catch-up) and "mine today" (the daily cap) both start with user_id.
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
    )

    # Monotonic: clients resume from the last id they saw.
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))     # routed | answered | ... (open to every domain)
    # What it is about, as (type, id): "question", "article", "badge"... Only the reference is
    # kept; title and address are resolved for the reader when shown (app.notifications.subjects).
    subject_type: Mapped[str | None] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    # The question it concerns, when it concerns one (API.md's field; also the routing lifecycle).
    question_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Settled (answered, declined, closed...): no longer counts as unread or pending.
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Codes and parameters, rendered in the reader's language (title and url are the post's own).
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
