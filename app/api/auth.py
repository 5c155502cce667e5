"""Who is calling the API, CSRF for browser sessions, and the write rate limit.

A request with an ``Authorization`` header is judged by that header alone: a valid
bearer token makes its owner the caller, anything else is a 401 (never a silent
downgrade to anonymous). Without the header the browser session (or remember-me cookie)
decides, and then unsafe methods must carry the CSRF token (``X-CSRFToken``), because a
cookie is sent by the browser on cross-site requests and a bearer header is not.
"""
from __future__ import annotations

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.accounts.services import user_for_token
from app.errors import Unauthorized
from app.extensions import csrf, db, limiter, login_manager

from app.api.common import BadInput

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_WRITE_LIMIT = "120 per minute"


def authenticate_request() -> None:
    """before_request: resolve the bearer token, then enforce CSRF for cookie sessions."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(_l("Use the header Authorization: Bearer <token>."))
        user = user_for_token(db.session, token.strip())
        if user is None:
            raise Unauthorized(_l("The API token is invalid or revoked."))
        # The token wins over any session cookie sent alongside it (flask-login would
        # otherwise prefer the session); setting it first also avoids a second lookup.
        login_manager._update_request_context_with_user(user)
        return
    if (request.method in UNSAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True)
            and current_user.is_authenticated):
        try:
            csrf.protect()
        except CSRFError as err:
            raise BadInput(
                _l("This browser session request lacks a valid CSRF token: send the X-CSRFToken "
                   "header with the value of the page's csrf-token meta tag."),
                errors={"X-CSRFToken": err.description}) from None


def add_auth_challenge(response):
    """after_request: a 401 names the scheme that would work (RFC 9110)."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    return response


def rate_limit_key() -> str:
    """Writes are limited per user when known, else per client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{get_remote_address()}"


def write_limit() -> str:
    # Read at request time so an operator (or a test) can change it in app.config.
    return current_app.config.get("API_WRITE_RATE_LIMIT", DEFAULT_WRITE_LIMIT)


def install(bp) -> None:
    """Wire the hooks above onto the API blueprint."""
    # Cookie sessions are checked by authenticate_request instead of the global hook,
    # which would also refuse bearer-token clients that have no CSRF token to send.
    csrf.exempt(bp)
    bp.before_request(authenticate_request)
    bp.after_request(add_auth_challenge)
    limiter.shared_limit(write_limit, scope="api-write", key_func=rate_limit_key,
                         methods=sorted(UNSAFE_METHODS))(bp)
