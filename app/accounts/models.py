"""User, Team, TeamMembership and ApiToken."""
from __future__ import annotations

import enum
import time
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow


class Role(str, enum.Enum):
    """Roles in increasing order of power; ``rank`` compares them."""
    customer = "customer"
    staff = "staff"
    expert = "expert"
    moderator = "moderator"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("source_site", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.customer.value)
    locale: Mapped[str | None] = mapped_column(String(10))
    about_html: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer, default=0)
    is_active_account: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    # Part of every login's identity (see get_id): changing it ends every session, remember-me
    # cookie and socket opened before. Bumped by logout, password change and deactivation.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Users imported from a Stack Exchange dump: they cannot log in (no password).
    source_site: Mapped[str | None] = mapped_column(String(100))
    source_id: Mapped[int | None] = mapped_column(Integer)

    memberships: Mapped[list["TeamMembership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_active(self) -> bool:  # flask-login
        return self.is_active_account

    def get_id(self) -> str:
        """``"<id>:<session_version>"``: an identity that dies when the version changes."""
        return f"{self.id}:{self.session_version or 0}"

    def get_session_identity(self) -> str:
        """What a login stores in the session and the remember-me cookie (flask-login's
        ``id_attribute``): ``get_id()`` plus the login's issue time in epoch seconds, so the
        user loader can also refuse a login older than ``REMEMBER_COOKIE_DURATION``."""
        return f"{self.get_id()}:{int(time.time())}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, at_least: Role) -> bool:
        return self.role_enum.rank >= at_least.rank

    @property
    def is_staff(self) -> bool:
        """Staff and above see internal content."""
        return self.has_role(Role.staff)

    @property
    def is_moderator(self) -> bool:
        return self.has_role(Role.moderator)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(m.team_id for m in self.memberships)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class Team(Base):
    """A business line (cards, loans, ...). Team questions are visible to its members."""
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    memberships: Mapped[list["TeamMembership"]] = relationship(
        back_populates="team", cascade="all, delete-orphan")


class TeamMembership(Base):
    __tablename__ = "team_memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    is_team_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    team: Mapped[Team] = relationship(back_populates="memberships", lazy="joined")


class ApiToken(Base):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")
