"""Helpers shared by the search pages and the search API: request parsing, result URLs, and
queueing the search log and clicks (jobs: searches and clicks are GET requests)."""
from __future__ import annotations

import logging
import re
import threading

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
    """Queue the search's log row and return the token its click links carry (None if it
    could not be queued: a search never fails for its log).

    Searches are GET requests, which write nothing themselves: the unit of work decides from
    the method that their transaction only reads. The row is a side effect, like indexing."""
    return log_entry_later(service.log_entry(page, user=user, source=source))


# Search log rows wait here and are written together, by one job a second later: one write
# transaction per second per process instead of one per search (a search from the page cache
# costs a tenth of a millisecond; its own write transaction cost several times that). A crash
# loses at most that second's rows, which a search log can afford.
FLUSH_DELAY_S = 1.0
_lock = threading.Lock()
_pending: list[dict] = []
_scheduled = False


def log_entry_later(entry: dict) -> str | None:
    """Queue a search's log row (:func:`app.search.service.log_entry`) with a new click token
    and the time of now; a search answered from the page cache logs the entry it remembered."""
    global _scheduled
    token = service.new_log_token()
    with _lock:
        _pending.append({**entry, "token": token, "created_at": utcnow().isoformat()})
        if _scheduled:
            return token
        _scheduled = True
    try:
        enqueue(flush_search_logs_job, delay=FLUSH_DELAY_S, local=True)
    except Exception:
        with _lock:
            _scheduled = False  # the rows wait for the next search's flush
        log.warning("search log not queued", exc_info=True)
    return token


def flush_search_logs_job(session) -> None:
    """The job (app.jobs) that writes the buffered search log rows, in one transaction."""
    global _scheduled
    with _lock:
        rows = list(_pending)
        _pending.clear()
        _scheduled = False
    service.log_searches(session, rows)


def click_later(token: str, key: str, rank: int | None) -> None:
    """Record a click: on the buffered row when its search is still waiting here, else by a job
    (the click URL is a GET), after the other processes' buffers have been written. Tokens that
    cannot be one are not worth a job."""
    if not _TOKEN.match(token or ""):
        return
    with _lock:
        waiting = next((row for row in _pending if row["token"] == token), None)
        if waiting is not None:
            if waiting.get("clicked_key") is None:
                waiting.update(clicked_key=key[:40], clicked_rank=rank, clicked_at=utcnow().isoformat())
            return
    try:
        enqueue(service.record_click_job, token, key, rank, delay=2 * FLUSH_DELAY_S)
    except Exception:
        log.warning("search click not queued", exc_info=True)
