"""Account services. They take the acting user explicitly, never commit, raise DomainErrors."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app import signals
from app.accounts.models import ApiToken, Role, Team, TeamMembership, User
from app.db import after_commit, session_of, utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.markup import slugify
from app.web import MAX_ROW_ID

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


def end_sessions(user: User, *, by: User | None) -> None:
    """End every browser session, remember-me cookie and socket of ``user`` opened so far, by
    changing the session version their identities carry (see app.accounts.auth). The caller's
    own browser must log in again to stay logged in. Sends ``sessions_ended``.

    A plain read-increment-write: two bumps racing may both write the same number, which still
    differs from every identity issued before either, so nothing survives that should not.
    """
    user.session_version = (user.session_version or 0) + 1
    signals.sessions_ended.send(user, by=by)


def change_password(user: User, current: str, new: str, *, revoke_tokens: bool = False) -> None:
    """Set a new password after checking the current one; ends the user's other sessions
    (``end_sessions``) and, with ``revoke_tokens``, revokes their API tokens too.
    Raises Invalid (``current_password``, ``new_password``)."""
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise Invalid(errors={"current_password": _l("The current password is wrong.")})
    _check_password_rules(new, "new_password")
    user.password_hash = _hash_password(new)
    end_sessions(user, by=user)
    if revoke_tokens:
        live = session_of(user).scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                                ApiToken.revoked_at.is_(None)))
        for row in list(live):
            _revoke(row, by=user)


def set_active(user: User, active: bool, *, by: User) -> None:
    """Deactivate (or reactivate) an account; site admins only. A deactivated user cannot log
    in, their sessions end at once (``end_sessions``) and their API tokens stop working.
    Raises Forbidden, or Invalid when an admin would deactivate themselves."""
    if not by.is_admin:
        raise Forbidden()
    if user.id == by.id and not active:
        raise Invalid(errors={"is_active": _l("You cannot deactivate your own account.")})
    if user.is_active_account == active:
        return
    user.is_active_account = active
    if not active:
        end_sessions(user, by=by)


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


# A token's last use is recorded at most this often, so reading through the API does not
# turn every request into a write.
TOKEN_USE_INTERVAL = timedelta(minutes=1)


def token_for(session: Session, plaintext: str) -> ApiToken | None:
    """The token row for ``plaintext``, revoked or not (None when no such token exists): a
    socket is registered under the token it presents, so that revoking it can end the socket."""
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext or "")))


def user_for_token(session: Session, plaintext: str) -> User | None:
    """The active owner of a live token, or None. Notes the use (``last_used_at``) at most once
    per ``TOKEN_USE_INTERVAL``: never in the caller's transaction (a GET must not write) but in
    a job queued once that transaction commits."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext or ""),
                                                ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.is_active:
        return None
    _note_token_use(session, row)
    return row.user


def _note_token_use(session: Session, row: ApiToken) -> None:
    now = utcnow()
    if row.last_used_at is not None and now - row.last_used_at < TOKEN_USE_INTERVAL:
        return
    # One pending stamp per token and interval in this process: a burst of requests before
    # the first stamp lands would otherwise queue one job each.
    marks = current_app.extensions.setdefault("token_use_marks", {})
    mark = marks.get(row.id)
    if mark is not None and timedelta(0) <= now - mark < TOKEN_USE_INTERVAL:
        return
    if len(marks) > 10_000:
        marks.clear()
    marks[row.id] = now
    after_commit(session, _queue_token_stamp, row.id, now)


def _queue_token_stamp(token_id: int, when: datetime) -> None:
    from app.jobs import enqueue

    enqueue(stamp_token_use, token_id, when)


def stamp_token_use(session: Session, token_id: int, when: datetime) -> None:
    """Job: record that the token was used at ``when``, unless a stamp less than
    ``TOKEN_USE_INTERVAL`` older already is there (another worker's, say)."""
    session.execute(update(ApiToken).where(
        ApiToken.id == token_id,
        or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= when - TOKEN_USE_INTERVAL),
    ).values(last_used_at=when))


def revoke_token(session: Session, token_id: int, *, by: User) -> None:
    """Revoke the token (its owner or a site admin); NotFound for anyone else or no such token.
    Sends ``token_revoked`` the first time."""
    row = session.get(ApiToken, token_id) if 0 < token_id <= MAX_ROW_ID else None
    if row is None or (row.user_id != by.id and not by.is_admin):
        raise NotFound()
    _revoke(row, by=by)


def _revoke(row: ApiToken, *, by: User) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        signals.token_revoked.send(row, by=by)


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
