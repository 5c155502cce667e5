"""Site-wide redirect helpers that refuse open redirects.

Every "go back to where I was" in the HTML product goes through :func:`redirect_back`, so a
``next`` parameter or a forged Referer can never send a user to another site. The path check
itself lives in ``app.accounts.redirects.safe_next`` (one implementation for the whole site).
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import redirect, request
from werkzeug.routing import IntegerConverter

from app.accounts.redirects import safe_next

__all__ = ["RowIdConverter", "redirect_back", "safe_next", "safe_referrer"]

MAX_ROW_ID = 2**31 - 1  # INTEGER primary keys (PostgreSQL int4)


class RowIdConverter(IntegerConverter):
    """``<id:name>``: a positive id that fits the column. A larger number simply does not match
    (404) instead of reaching the database, where SQLite overflows and PostgreSQL rejects it."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ROW_ID)


def safe_referrer(default: str = "/") -> str:
    """The Referer as a local path when it points at this very host, else ``default``."""
    ref = request.referrer or ""
    parts = urlsplit(ref)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return default
    return safe_next(urlunsplit(("", "", parts.path or "/", parts.query, "")), default)


def redirect_back(default: str, code: int = 303):
    """Redirect to the request's safe ``next`` (form field or query string), else ``default``.

    303 so that a browser follows a POST with a GET.
    """
    target = request.form.get("next") or request.args.get("next")
    return redirect(safe_next(target, default), code=code)
