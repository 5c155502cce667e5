"""The HTML kit every domain's pages use, so each view stays a thin
parse -> one service -> render/redirect sequence (the unit of work in ``app.db`` commits).

* :func:`login_required` (the one guard for pages),
* :func:`finish`: run one service call, flash, go back (303); a Conflict becomes a message on
  the page the user came from, an Invalid re-renders the form through ``on_invalid``,
* :func:`refuse` and :func:`render_form_error`: a rejected form again, with what was typed and
  the service's messages next to its fields (422),
* :func:`paging`: page numbers from the query string, clamped so no number reaches the
  database out of range,
* :class:`RowIdConverter` (``<id:name>`` in every blueprint's rules), :func:`redirect_back`
  and :func:`safe_referrer` (no open redirects),
* the page chrome: the header's panels from other domains arrive through ``app.slots``.
"""
from __future__ import annotations

import functools
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app, flash, g, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter

from app.accounts.redirects import safe_next
from app.errors import Conflict, Invalid
from app.privileges import PrivilegeRequired
from app.extensions import db

__all__ = ["MAX_PAGE", "MAX_ROW_ID", "RowIdConverter", "copy_errors", "finish", "init_app", "login_required",
           "paging", "redirect_back", "refuse", "render_form_error", "safe_next", "safe_referrer"]

MAX_ROW_ID = 2**31 - 1  # INTEGER primary keys (PostgreSQL int4)
# OFFSET stays far below 64-bit overflow even at per_page=100.
MAX_PAGE = 10_000_000


class RowIdConverter(IntegerConverter):
    """``<id:name>``: a positive id that fits the column. A larger number simply does not match
    (404) instead of reaching the database, where SQLite overflows and PostgreSQL rejects it."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ROW_ID)


def login_required(view):
    """Send anonymous visitors to the login page, then back here (or, after a POST, to the
    page the form was on: a POST-only URL cannot be reached by the redirect after login)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated:
            return view(*args, **kwargs)
        if request.method == "GET":
            back = request.full_path.rstrip("?")
        else:
            back = safe_next(request.form.get("next"), safe_referrer("/"))
        flash(_("Please log in to continue."), "info")
        return redirect(url_for("accounts.login", next=back), 303)  # after a POST too: a GET
    return wrapper


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


def copy_errors(form: FlaskForm, errors: dict) -> None:
    """Put a service's field errors (``Invalid.errors``) on the matching fields; others on the form."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, str(message)]
        else:
            form.form_errors.append(str(message))


def refuse(form, err: Invalid) -> None:
    """Undo the request's writes and put the service's messages on the form."""
    db.session.rollback()
    copy_errors(form, err.errors)
    if not err.errors and not form.errors:
        form.form_errors.append(str(err.detail))


def render_form_error(template: str, form, err: Invalid, **context):
    """After a rejected POST on a form page: the same form with what was typed, status 422."""
    refuse(form, err)
    return render_template(template, form=form, **context), 422


def finish(action, message, default_url: str, on_invalid=None):
    """Run ``action()`` (one service call), flash ``message`` and go back (the unit of work
    commits after the view returns).

    A Conflict (already closed, deleted meanwhile ...) or a missing privilege is not a failure
    the user must be taken away for: it is rolled back and shown as a message on the page they
    came from.
    ``on_invalid(err)`` renders a rejected form; without it Invalid goes to the error page.
    """
    try:
        action()
    except (Conflict, PrivilegeRequired) as err:
        # Not enough points yet is also said on the page itself, with how many are missing.
        db.session.rollback()
        flash(str(err.detail), "error")
        return redirect_back(default_url)
    except Invalid as err:
        if on_invalid is None:
            raise
        return on_invalid(err)
    flash(message, "success")
    return redirect_back(default_url)


def _clamp(raw, default: int, low: int, high: int) -> int:
    """An integer from user text, clamped to [low, high]; ``default`` when unparsable."""
    raw = (raw or "").strip()
    if not raw.lstrip("-").isdigit() or len(raw) > 12:
        # Twelve digits: anything longer is out of range anyway; int() of a megabyte of digits
        # would be a CPU sink.
        return high if raw.isdigit() else default
    return min(max(int(raw), low), high)


def paging(per_page_default: int | None = None, arg: str = "page", source=None) -> tuple[int, int]:
    """(page, per_page) from the query string (or ``source``, e.g. a posted form), clamped to
    what the database can take; anything unparsable falls back to the defaults."""
    config = current_app.config
    source = request.args if source is None else source
    default = per_page_default or config["PER_PAGE"]
    return (_clamp(source.get(arg), 1, 1, MAX_PAGE),
            _clamp(source.get("per_page"), default, 1, config["MAX_PER_PAGE"]))


def init_app(app: Flask) -> None:
    """The id converter (one registration for every blueprint) and the chrome."""
    app.url_map.converters["id"] = RowIdConverter

    def _start_scheduler():
        # The periodic jobs' scheduler starts with the first request, not in create_app
        # (which only wires): commands and tests never start it. First among the hooks, so
        # that a process answering only from the page cache starts it too.
        from app.jobs import start_scheduler

        start_scheduler(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_scheduler)

    @app.context_processor
    def _chrome():
        # Panels other domains add to every page's header (the notification bell, the curators'
        # queue count). Filled once per request, before the first template renders, so
        # templates never query (fragments rendered for slots reuse the same result).
        from app import slots

        if not has_request_context() or request.path.startswith("/api/"):
            return {}
        if "header_slots" not in g:
            g.header_slots = ()  # the panels' own fragments render inside fill(): no recursion
            g.header_slots = slots.fill("header", viewer=current_user)
        return {"header_slots": g.header_slots}
