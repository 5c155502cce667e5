"""flask-login wiring: session users and bearer-token users.

A login's identity (what the session and the remember-me cookie hold, signed) is
``"<user id>:<session version>:<issued at>"`` (``User.get_session_identity``). The user loader
accepts it only while the user is active, the version is still the user's current one (logout,
a password change and deactivation bump it: every other session, remember-me cookie and copied
cookie dies at once) and the login is younger than ``REMEMBER_COOKIE_DURATION`` (the browser's
own expiry of a cookie is not trusted).
"""
from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, g, has_request_context, request, session

from app.accounts.models import User
from app.accounts.services import user_for_token
from app.extensions import db, login_manager
from app.web import MAX_ROW_ID

# login_user() stores this method's answer, so every login, wherever it happens, gets an
# identity with its issue time.
login_manager.id_attribute = "get_session_identity"
# Clock skew between workers that we tolerate on an identity's issue time.
_SKEW = 300


def parse_identity(identity: str | None) -> tuple[int, int, int] | None:
    """``(user_id, version, issued_at)`` from a session identity, or None if it is malformed
    (including the bare ``"<id>"`` of logins made before session versions existed)."""
    parts = (identity or "").split(":")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts):
        return None
    user_id, version, issued = (int(p) for p in parts)
    return (user_id, version, issued) if 0 < user_id <= MAX_ROW_ID else None


def identity_is_current(user: User, version: int, issued: int) -> bool:
    """Whether a login of ``user`` with this version and issue time is still valid now."""
    return user.is_active and (user.session_version or 0) == version and issued_is_fresh(issued)


def issued_is_fresh(issued: int) -> bool:
    """Whether a login issued at ``issued`` (epoch seconds) has not outlived the remember-me
    duration (the user-independent half of :func:`identity_is_current`)."""
    max_age = current_app.config.get("REMEMBER_COOKIE_DURATION", timedelta(days=30))
    seconds = max_age.total_seconds() if isinstance(max_age, timedelta) else float(max_age)
    now = time.time()
    return now - seconds <= issued <= now + _SKEW


@login_manager.user_loader
def _load_user(identity: str) -> User | None:
    parsed = parse_identity(identity)
    user = db.session.get(User, parsed[0]) if parsed else None
    if user is None or not identity_is_current(user, *parsed[1:]):
        _forget_stale_login()
        return None
    if has_request_context():
        # What was checked, as plain values: the page cache (app.cache.pages) remembers that
        # this login is valid at this content version, after the commit expired ``user``.
        g.login_checked = (user.id, parsed[1], user.locale or "")
    return user


def _forget_stale_login() -> None:
    """Drop a refused identity from the session and delete the remember-me cookie with the
    response, so the browser stops presenting them (flask-login would keep both)."""
    if not has_request_context():
        return
    for key in ("_user_id", "_fresh", "_id"):
        session.pop(key, None)
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        session["_remember"] = "clear"


@login_manager.request_loader
def _load_from_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(db.session, token.strip())


def bearer_token_sent() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")
