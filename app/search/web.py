"""Helpers shared by the search pages and the search API: request parsing, result URLs,
and the search log's own short write transaction."""
from __future__ import annotations

import logging

from flask import request, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.db import intend_write
from app.extensions import db
from app.search import service
from app.search.backend import Filters
from app.search.sources import get_source

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
    """The HTML page of a result (``item``: anything with type, id, slug, title), as its
    source names it; the search page for its title when the source names none."""
    source = get_source(item.type)
    if source is not None and source.url is not None:
        return source.url(item.id, item.slug, external)
    return url_for("search.search", q=item.title, _external=external)


def record_search(page: service.SearchPage, user, source: str) -> int | None:
    """Log the search in a short transaction of its own and return the log id (None if the
    log could not be written: a search never fails for its log).

    The search itself only read; its transaction is ended first, so the write takes
    SQLite's lock up front (BEGIN IMMEDIATE) for just one INSERT instead of upgrading a
    read transaction, which fails when another worker wrote in between.
    """
    try:
        db.session.commit()
        with intend_write():
            entry = service.log_search(db.session, page, user=user, source=source)
            log_id = entry.id
            db.session.commit()
        return log_id
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("search log not written", exc_info=True)
        return None
