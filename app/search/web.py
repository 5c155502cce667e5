"""Helpers shared by the search pages and the search API: request parsing, result URLs,
and the search log's own short write transaction."""
from __future__ import annotations

import logging
from types import SimpleNamespace

from flask import request, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.search import service
from app.search.backend import Filters

log = logging.getLogger(__name__)


def filters_from_args(args=None) -> Filters:
    """Filters from the query string (``tag`` may repeat); Invalid names bad parameters."""
    args = args if args is not None else request.args
    tags = [t for raw in args.getlist("tag") for t in raw.replace(",", " ").split()]
    return service.build_filters(
        db.session, tags=tags, status=args.get("status") or None, type=args.get("type") or None,
        visibility=args.get("visibility") or None, team=args.get("team") or None,
        date_from=args.get("from") or None, date_to=args.get("to") or None)


def item_url(item, *, external: bool = False) -> str:
    """The HTML page of a result (articles get theirs when the kb domain lands)."""
    from app.forum.urls import question_url

    if item.type == "question":
        return question_url(SimpleNamespace(id=item.id, slug=item.slug or None), _external=external)
    return url_for("search.search", q=item.title, _external=external)


def record_search(page: service.SearchPage, user, source: str) -> int | None:
    """Log the search in the request's unit of work (the view is marked ``writes``, so its
    transaction began as a writer) and return the log id (None if the log could not be
    written: a search never fails for its log)."""
    try:
        with db.session.begin_nested():
            entry = service.log_search(db.session, page, user=user, source=source)
        return entry.id
    except SQLAlchemyError:
        log.warning("search log not written", exc_info=True)
        return None
