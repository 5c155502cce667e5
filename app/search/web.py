"""Helpers shared by the search pages and the search API: request parsing, result URLs, and
queueing the search log and clicks (jobs: searches and clicks are GET requests)."""
from __future__ import annotations

import logging
import re

from flask import request, url_for

from app.db import utcnow
from app.extensions import db
from app.jobs import enqueue
from app.search import service
from app.search.backend import Filters
from app.search.sources import get_source

log = logging.getLogger(__name__)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


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


def log_later(page: service.SearchPage, user, source: str) -> str | None:
    """Queue the search's log row as a job and return the token its click links carry (None
    if it could not be queued: a search never fails for its log).

    Searches are GET requests, which write nothing themselves: the unit of work decides from
    the method that their transaction only reads. The row is a side effect, like indexing."""
    return log_entry_later(service.log_entry(page, user=user, source=source))


def log_entry_later(entry: dict) -> str | None:
    """Queue a search's log row (:func:`app.search.service.log_entry`) with a new click token
    and the time of now; a search answered from the page cache logs the entry it remembered."""
    token = service.new_log_token()
    try:
        enqueue(service.log_search_job, {**entry, "token": token, "created_at": utcnow().isoformat()})
    except Exception:
        log.warning("search log not queued", exc_info=True)
        return None
    return token


def click_later(token: str, key: str, rank: int | None) -> None:
    """Queue the recording of a click (a job: the click URL is a GET). Tokens that cannot be
    one are not worth a job."""
    if not _TOKEN.match(token or ""):
        return
    try:
        enqueue(service.record_click_job, token, key, rank)
    except Exception:
        log.warning("search click not queued", exc_info=True)
