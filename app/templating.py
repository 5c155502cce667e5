"""Jinja filters and globals shared by all templates.

Everything here is pure (no queries): templates render view models, and the permission
helpers below decide from objects that the view already loaded.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, request, url_for
from flask_babel import format_datetime, format_timedelta, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.db import utcnow
from app.markup import plain_text

ROLE_LABELS = {
    "customer": _l("Customer"),
    "staff": _l("Staff"),
    "expert": _l("Expert"),
    "moderator": _l("Moderator"),
    "admin": _l("Administrator"),
}
VISIBILITY_BADGES = {"public": _l("Public"), "internal": _l("Internal"), "team": _l("Team")}
_CC_VERSION = re.compile(r"(\d\.\d)")


def http_url(value: str | None) -> str | None:
    """``value`` if it is an absolute http(s) address, else None: imported data is not
    trusted to be a safe link target (``javascript:`` and friends are dropped)."""
    parts = urlsplit((value or "").strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def license_url(value: str | None) -> str:
    """The Creative Commons deed for a licence name like ``CC BY-SA 4.0`` (default 4.0)."""
    match = _CC_VERSION.search(value or "")
    return f"https://creativecommons.org/licenses/by-sa/{match.group(1) if match else '4.0'}/"


def ago(value: datetime | None) -> str:
    if value is None:
        return ""
    delta = value - utcnow()
    if abs(delta) < timedelta(minutes=1):
        return _("just now")
    return format_timedelta(delta, add_direction=True, granularity="minute")


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (None removes one);
    used by tabs and pagination so they keep the other arguments."""
    args = {**request.args.to_dict(), **changes}
    args = {k: v for k, v in args.items() if v not in (None, "") and not k.startswith("_")}
    # The path's own arguments win over a query argument of the same name (?name=...).
    return url_for(request.endpoint, **{**args, **(request.view_args or {})})


def register_template_helpers(app: Flask) -> None:
    from app import privileges
    from app.forum import access
    from app.forum.forms import VISIBILITY_LABELS
    from app.forum.urls import question_url

    app.jinja_env.globals.update(
        get_locale=get_locale,
        url_with=url_with,
        question_url=question_url,
        can_edit=access.can_edit,
        can_accept=access.can_accept,
        can_moderate=access.can_moderate,
        has_privilege=privileges.allowed,  # earned by points (app/points/privileges.py)
        role_label=lambda role: ROLE_LABELS.get(role, role),
        visibility_label=lambda v: VISIBILITY_LABELS.get(v, v),
        visibility_badge=lambda v: VISIBILITY_BADGES.get(v, v),
    )
    app.add_template_filter(ago, "ago")
    app.add_template_filter(http_url, "http_url")
    app.add_template_filter(license_url, "license_url")

    @app.template_filter("datetime")
    def _datetime(value: datetime | None) -> str:
        return format_datetime(value, "medium") if value else ""

    @app.template_filter("isotime")
    def _isotime(value: datetime | None) -> str:
        return value.isoformat(timespec="seconds") + "Z" if value else ""

    @app.template_filter("excerpt")
    def _excerpt(html: str | None, limit: int = 180) -> str:
        return plain_text(html or "", limit)
