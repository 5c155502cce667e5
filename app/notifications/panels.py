"""The notification bell in every page's header (``app.slots`` slot ``header``)."""
from __future__ import annotations

import logging

from flask import render_template, request
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from app import slots
from app.extensions import db
from app.notifications import services

log = logging.getLogger(__name__)


def bell(viewer, **_) -> Markup | None:
    """The bell with the unread count: one query for a logged-in user, none for a visitor. When
    the database cannot answer, the bell shows no count (an error page must still render)."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    try:
        unread = services.unread_count(db.session, viewer.id)
    except SQLAlchemyError:
        log.warning("unread count unavailable", exc_info=True)
        unread = None
    return Markup(render_template("notifications/_bell.html", unread=unread,
                                  current=request.endpoint == "experts.notification_list"))


def register() -> None:
    slots.provide("header", bell, order=10)
