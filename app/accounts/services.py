"""Account services. They take the acting user explicitly, never commit, raise DomainErrors."""
from __future__ import annotations

import hashlib
import re
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import ApiToken, Role, Team, TeamMembership, User
from app.db import utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.markup import slugify

USERNAME_RE = re.compile(r"^[\w.-]{3,64}$", re.UNICODE)
MIN_PASSWORD = 8
# Compared against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _hash_password(password: str) -> str:
    # scrypt (werkzeug's default) unless a config lowers it: the test suite hashes hundreds
    # of passwords and uses a cheap method; production keeps the default.
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _check_password_rules(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(errors={field: _l("Use at least %(n)d characters.", n=MIN_PASSWORD)})


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower()))


def create_user(session: Session, username: str, password: str | None, *, role: str = "customer",
                display_name: str | None = None, email: str | None = None,
                teams: list[str] = ()) -> User:
    """Create a user. Raises Invalid for a bad or taken name, weak password or unknown role/team."""
    username = (username or "").strip()
    errors = {}
    if not USERNAME_RE.match(username):
        errors["username"] = _l("3-64 letters, digits, dots, hyphens or underscores.")
    elif find_user(session, username):
        errors["username"] = _l("This username is taken.")
    if role not in {r.value for r in Role}:
        errors["role"] = _l("Unknown role.")
    email = (email or "").strip().lower() or None
    if email and session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = _l("This email is already registered.")
    if errors:
        raise Invalid(errors=errors)
    if password is not None:
        _check_password_rules(password)
    user = User(username=username, display_name=(display_name or username).strip()[:100], email=email,
                password_hash=_hash_password(password) if password else None, role=role)
    session.add(user)
    for slug in teams:
        team = session.scalar(select(Team).where(Team.slug == slugify(slug)))
        if team is None:
            raise Invalid(errors={"team": _l("Unknown team: %(t)s", t=slug)})
        user.memberships.append(TeamMembership(team=team))
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (constant work either way)."""
    user = find_user(session, username)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    return user


def record_login(user: User) -> None:
    """Note a successful interactive login (``last_seen_at``)."""
    user.last_seen_at = utcnow()


def change_password(user: User, current: str, new: str) -> None:
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise Invalid(errors={"current_password": _l("The current password is wrong.")})
    _check_password_rules(new, "new_password")
    user.password_hash = _hash_password(new)


def update_settings(user: User, *, display_name: str, locale: str | None, languages) -> None:
    display_name = (display_name or "").strip()
    if not 1 <= len(display_name) <= 100:
        raise Invalid(errors={"display_name": _l("Between 1 and 100 characters.")})
    if locale and locale not in languages:
        raise Invalid(errors={"locale": _l("Unknown language.")})
    user.display_name = display_name
    user.locale = locale or None


# --- API tokens ---------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str = "default") -> tuple[ApiToken, str]:
    """A new token for ``user``; returns (row, plaintext). The plaintext is not stored."""
    plaintext = "qa_" + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=(name or "default").strip()[:100] or "default",
                   token_hash=_digest(plaintext), prefix=plaintext[:10])
    session.add(row)
    session.flush()
    return row, plaintext


def user_for_token(session: Session, plaintext: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext or ""),
                                                ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.is_active:
        return None
    return row.user


def revoke_token(session: Session, token_id: int, *, by: User) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != by.id and not by.is_admin):
        raise NotFound()
    row.revoked_at = row.revoked_at or utcnow()


# --- teams and roles (admin) ----------------------------------------------------

def create_team(session: Session, name: str, *, by: User | None = None, slug: str | None = None) -> Team:
    """Create a team. ``by=None`` is the command line (trusted)."""
    if by is not None and not by.is_admin:
        raise Forbidden()
    name = (name or "").strip()
    slug = slugify(slug or name, 64)
    if not name:
        raise Invalid(errors={"name": _l("A team needs a name.")})
    if session.scalar(select(Team.id).where(Team.slug == slug)):
        raise Invalid(errors={"name": _l("A team with this name exists.")})
    team = Team(name=name[:100], slug=slug)
    session.add(team)
    session.flush()
    return team


def can_manage_team(by: User, team: Team) -> bool:
    """Site admins manage every team; a team admin manages only that team."""
    return by.is_admin or any(m.team_id == team.id and m.is_team_admin for m in by.memberships)


def add_member(session: Session, team: Team, user: User, *, by: User, is_team_admin: bool = False) -> None:
    if not can_manage_team(by, team):
        raise Forbidden()
    membership = session.get(TeamMembership, (user.id, team.id))
    if membership is None:
        membership = TeamMembership(user=user, team=team)
        session.add(membership)
    membership.is_team_admin = is_team_admin
    session.flush()


def remove_member(session: Session, team: Team, user: User, *, by: User) -> None:
    if not can_manage_team(by, team):
        raise Forbidden()
    membership = session.get(TeamMembership, (user.id, team.id))
    if membership is not None:
        session.delete(membership)
        session.flush()
        session.expire(user, ["memberships"])


def set_role(user: User, role: str, *, by: User) -> None:
    if not by.is_admin:
        raise Forbidden()
    if role not in {r.value for r in Role}:
        raise Invalid(errors={"role": _l("Unknown role.")})
    if user.id == by.id and role != Role.admin.value:
        raise Invalid(errors={"role": _l("You cannot remove your own admin role.")})
    user.role = role
