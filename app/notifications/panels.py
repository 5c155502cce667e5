"""What notifications add to every page and to forum pages, through ``app.slots``: the header's
bell, and "follow" buttons on the question page and the user page."""
from __future__ import annotations

import logging

from flask import render_template, request
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from app import slots
from app.extensions import db
from app.notifications import follows, services

log = logging.getLogger(__name__)


def bell(viewer, **_kw) -> Markup | None:
    """The bell with the unread count and the newest id (the live client's resume point): one
    query for a logged-in user, none for a visitor. When the database cannot answer, the bell
    shows no count (an error page must still render)."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    try:
        unread, last_id = services.bell_state(db.session, viewer.id)
    except SQLAlchemyError:
        log.warning("unread count unavailable", exc_info=True)
        unread, last_id = None, ""
    return Markup(render_template("notifications/_bell.html", unread=unread, last_id=last_id,
                                  current=request.endpoint == "notifications.inbox"))


def follow_question(page, viewer, **_kw) -> Markup | None:
    if not getattr(viewer, "is_authenticated", False) or page.question.is_deleted:
        return None
    following = follows.is_following(db.session, viewer.id, "question", page.question.id)
    return Markup(render_template("notifications/_follow.html", target_type="question", target_id=page.question.id,
                                  following=following, label=_("Follow this question"), next=request.path,
                                  hint=None if following else _("Hear of new answers and comments.")))


def follow_user(profile, viewer, **_kw) -> Markup | None:
    user = profile.user
    if not getattr(viewer, "is_authenticated", False) or viewer.id == user.id or not user.is_active_account:
        return None
    following = follows.is_following(db.session, viewer.id, "user", user.id)
    return Markup(render_template("notifications/_follow.html", target_type="user", target_id=user.id,
                                  following=following, label=_("Follow %(name)s", name=user.display_name),
                                  next=request.path, hint=None))


def register() -> None:
    slots.provide("header", bell, order=10)
    slots.provide("question.aside", follow_question, order=5)
    slots.provide("user.sections", follow_user, order=5)
