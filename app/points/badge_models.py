"""Badge awards: one row per (user, badge, tag), never awarded twice.

``tag_key`` is the tag id, or 0 for a badge that is not a tag badge. The unique key uses it
rather than the nullable ``tag_id`` because SQL treats NULLs as distinct in a unique
constraint: (user, "first_answer", NULL) could then be inserted twice by two concurrent
requests. With a NOT NULL key the database itself refuses the second one, and the awarding
insert (``app.points.badge_awards``) turns that into "already held".
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base, utcnow
from app.forum.models import Tag


class BadgeAward(Base):
    __tablename__ = "badge_awards"
    __table_args__ = (
        UniqueConstraint("user_id", "badge", "tag_key"),
        # A badge's holders newest first (the badge page) and the holders' counts.
        Index("ix_badge_awards_badge_awarded_at", "badge", "awarded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    badge: Mapped[str] = mapped_column(String(32))  # a code of app.points.badges.BADGES
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    tag_key: Mapped[int] = mapped_column(Integer, default=0)
    awarded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    tag: Mapped[Tag | None] = relationship(lazy="joined")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<BadgeAward {self.id} user={self.user_id} {self.badge} tag={self.tag_id}>"
