"""Notifications and what decides them: who follows what, each user's preferences per kind
(instant, daily or weekly digest, off), quiet hours and time zone, mentions already told, and the
digests already sent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Delivery:
    """How a notification reaches its reader, decided when it is created (its kind's setting
    and the reader's quiet hours at that moment). Every delivery is a row in the inbox."""
    instant = "instant"   # pushed live with a toast
    quiet = "quiet"       # instant kind during quiet hours: pushed live, no toast
    daily = "daily"       # in the inbox quietly, and in the next daily digest mail
    weekly = "weekly"     # likewise, weekly

    DIGESTS = ("daily", "weekly")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # "Mine after id N" (catch-up) and "mine today" (the daily cap) both start with user_id.
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
        # The digest job reads only what is still to be mailed: a small partial index.
        Index("ix_notifications_unmailed", "delivery", "user_id",
              sqlite_where=text("mailed_at IS NULL AND delivery IN ('daily', 'weekly')"),
              postgresql_where=text("mailed_at IS NULL AND delivery IN ('daily', 'weekly')")),
        # Resolving a question's open notifications (answered, closed, deleted).
        Index("ix_notifications_question_id_kind", "question_id", "kind"),
    )

    # Monotonic: clients resume from the last id they saw.
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))     # app.notifications.kinds (open to every domain)
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
    delivery: Mapped[str] = mapped_column(String(8), default=Delivery.instant, server_default=Delivery.instant)
    # Set when a digest mail carried it (or the reader had no address): never mailed twice.
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime)


class NotificationSettings(Base):
    """A user's notification preferences besides the per-kind frequencies (no row: defaults)."""
    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    timezone: Mapped[str | None] = mapped_column(String(64))       # IANA name; None: the site's
    # Quiet hours as minutes after local midnight; both None: none. start > end spans midnight.
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    # Asking or answering a question follows it.
    auto_follow: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class KindSetting(Base):
    """How often a user hears of one kind (no row: the kind's default)."""
    __tablename__ = "notification_kind_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(8))              # instant | daily | weekly | off


class Follow(Base):
    """A user follows a question, a tag or another user. An explicit unfollow keeps the row
    with ``is_active`` false, so asking or answering again does not follow it anew."""
    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id"),
        Index("ix_follows_target_type_target_id", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(12))           # question | tag | user
    target_id: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Mention(Base):
    """``@username`` found in a post when it was saved and told once: an edit tells only new ones."""
    __tablename__ = "mentions"

    post_type: Mapped[str] = mapped_column(String(8), primary_key=True)    # question | answer | comment
    post_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DigestSend(Base):
    """One digest mail per user and period ("daily:2026-03-01", "weekly:2026-W09"): the unique
    key is what keeps two schedulers, or a retried job, from sending it twice."""
    __tablename__ = "digest_sends"
    __table_args__ = (UniqueConstraint("user_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(24))
    items: Mapped[int] = mapped_column(Integer, default=0)
    notification_ids: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
