"""Search services: searching, suggestions, the search log and the gap list.

Functions take the session, the backend and the acting user explicitly, raise DomainErrors,
and never commit (routes and commands do). Presentation (URLs) is left to the callers.
"""
from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from app.accounts.models import Team, User
from app.db import utcnow
from app.errors import DomainError, Invalid
from app.markup import normalize_tag
from app.text import STOP_WORDS, fold, query_words
from app.search.backend import (STATUSES, TYPES, VISIBILITIES, Audience, Filters, Hit, SearchBackend,
                                SearchRequest, SearchUnavailable)
from app.search.highlight import highlight, snippet
from app.search.models import SearchLog
from app.search.sources import doc_key, get_source
from app.search.query import MAX_QUERY_LENGTH, Clause, ParsedQuery, QueryTooLong, parse_query

log = logging.getLogger(__name__)


class Unavailable(DomainError):
    """The search engine is down or timed out (503); the forum itself keeps working."""
    status = 503
    title = _l("Search is unavailable")


@dataclass
class SearchItem:
    """One result as pages and the API show it (title and snippet are escaped Markup)."""
    key: str
    type: str
    id: int
    slug: str
    title: str
    title_html: Markup
    snippet_html: Markup
    score: float
    rank: int
    tags: list[str]
    source_url: str | None
    is_answered: bool
    is_accepted: bool
    is_closed: bool
    answer_count: int
    visibility: str
    created_at: str | None


@dataclass
class SearchPage:
    query: str
    items: list[SearchItem]
    total: int
    page: int
    per_page: int
    filters: Filters = field(default_factory=Filters)
    corrected: dict[str, str] = field(default_factory=dict)
    log_token: str | None = None   # names this search in its click links (log written later)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def audience_for(user: User | None) -> Audience:
    """The search audience of ``user``: the same rules as app.forum.access.visible_clause."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return Audience()
    if user.is_moderator:
        return Audience(staff=True, everything=True)
    return Audience(staff=True, team_ids=tuple(sorted(user.team_ids)))


def parse(q: str | None, *, prefix: bool = True) -> ParsedQuery:
    """The parsed query; Invalid (field ``q``) when it is too long or has no words at all
    (an empty query is fine: it lists instead of searching)."""
    try:
        parsed = parse_query(q, prefix=prefix)
    except QueryTooLong:
        raise Invalid(_l("The search is too long (at most %(n)d characters).", n=MAX_QUERY_LENGTH),
                      errors={"q": _l("At most %(n)d characters.", n=MAX_QUERY_LENGTH)}) from None
    if parsed.is_empty and (q or "").strip():
        # Only punctuation or operators: listing everything would look like a broken search.
        raise Invalid(_l("The search has no words to look for."),
                      errors={"q": _l("Type some words: punctuation and operators alone find nothing.")})
    return parsed


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: str | None, name: str, errors: dict) -> str | None:
    if not value:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value).isoformat()
    except ValueError:
        errors[name] = _l("Use a date like 2024-12-31.")
        return None


def build_filters(session: Session, *, tags=(), status=None, type=None, visibility=None, team=None,
                  date_from=None, date_to=None) -> Filters:
    """Filters from raw parameters; Invalid names every bad one. ``team``: id or slug."""
    errors: dict = {}
    for name, value, allowed in (("status", status, STATUSES), ("type", type, TYPES),
                                 ("visibility", visibility, VISIBILITIES)):
        if value and value not in allowed:
            errors[name] = _l("Use one of: %(choices)s.", choices=", ".join(allowed))
    team_id = None
    if team not in (None, ""):
        column = Team.id if str(team).isdigit() else Team.slug
        value = int(team) if str(team).isdigit() and len(str(team)) < 10 else str(team)
        team_id = session.scalar(select(Team.id).where(column == value))
        if team_id is None:
            errors["team"] = _l("Unknown team.")
    start, end = _date(date_from, "from", errors), _date(date_to, "to", errors)
    if errors:
        raise Invalid(_l("Some search filters are not valid."), errors=errors)
    names = tuple(dict.fromkeys(normalize_tag(t) for t in tags if t and t.strip()))[:5]
    return Filters(tags=names, status=status or None, type=type or None, visibility=visibility or None,
                   team_id=team_id, date_from=start, date_to=end)


def _visible(session: Session, user: User | None, hits: list[Hit]) -> set[str]:
    """Keys of ``hits`` that ``user`` may see now, asked of each type's source."""
    ids: dict[str, list[int]] = {}
    for hit in hits:
        ids.setdefault(hit.doc["type"], []).append(hit.doc["id"])
    keys = set()
    for type_, type_ids in ids.items():
        source = get_source(type_)
        if source is not None:  # an unregistered type (a leftover document) is never shown
            keys |= {doc_key(type_, i) for i in source.visible_ids(session, user, type_ids)}
    return keys


def _items(session: Session, user: User | None, hits: list[Hit], terms, prefixes, first_rank: int,
           with_snippets: bool = True) -> list[SearchItem]:
    # Safety net, not the mechanism: visibility is applied inside the engine's query. An index
    # that lags the database (a failed after-commit update) must still not show a hidden title.
    visible = _visible(session, user, hits)
    items = []
    for i, hit in enumerate(hits):
        d = hit.doc
        if d["key"] not in visible:
            log.warning("search index is stale: %s is not visible to this user; run flask search reindex",
                        d["key"])
            continue
        items.append(SearchItem(
            key=d["key"], type=d["type"], id=d["id"], slug=d.get("slug") or "", title=d["title"],
            title_html=highlight(d["title"], terms, prefixes),
            snippet_html=snippet([d.get("body") or "", d.get("answers") or ""], terms, prefixes)
            if with_snippets else Markup(""),
            score=round(hit.score, 4), rank=first_rank + i, tags=list(d.get("tags") or []),
            source_url=d.get("source_url"), is_answered=bool(d.get("is_answered")),
            is_accepted=bool(d.get("is_accepted")), is_closed=bool(d.get("is_closed")),
            answer_count=int(d.get("answer_count") or 0), visibility=d.get("visibility") or "public",
            created_at=d.get("created_at")))
    return items


Engine = SearchBackend | Callable[[], SearchBackend]


def _engine(backend: Engine) -> SearchBackend:
    """``backend`` itself, or what the provider returns (app.search.get_backend: called here,
    inside the callers' fault handling, so an engine that cannot start degrades like one that
    fails)."""
    return backend() if callable(backend) else backend


def search(session: Session, backend: Engine, *, q: str | None, user: User | None,
           filters: Filters | None = None, page: int = 1, per_page: int = 20) -> SearchPage:
    """One page of results for ``q`` that ``user`` may see. An empty query lists the
    filtered documents, newest first. Raises Invalid for a query that is too long, and
    Unavailable (503) when the engine cannot start, fails or times out."""
    parsed = parse(q)
    filters = filters or Filters()
    request = SearchRequest(parsed, audience_for(user), filters, page, per_page)
    try:
        result = _engine(backend).search(request)
    except SearchUnavailable:
        log.warning("search engine unavailable", exc_info=True)
        raise Unavailable(_l("Search is unavailable right now. Please try again in a minute.")) from None
    except Exception:  # a fault of the engine, whatever its kind, is not the page's fault
        log.exception("search engine failed")
        raise Unavailable(_l("Search is unavailable right now. Please try again in a minute.")) from None
    items = _items(session, user, result.hits, result.terms, result.prefixes, (page - 1) * per_page + 1)
    return SearchPage(query=q or "", items=items, total=result.total, page=page, per_page=per_page,
                      filters=filters, corrected=result.corrected)


SUGGEST_BODY_CHARS = 2000   # the start of a body says what it is about; more only costs
ARTICLE_SUGGESTIONS = 3      # articles offered above the questions


def context_of(body: str | None) -> ParsedQuery | None:
    """A body being typed as plain query words (no grammar: quotes and operators are text)."""
    text = (body or "")[:SUGGEST_BODY_CHARS]
    words = [w for w in query_words(text) if w not in STOP_WORDS]
    return ParsedQuery(text=text, clauses=tuple(Clause((w,)) for w in words)) if words else None


def suggest(session: Session, backend: Engine, *, q: str | None, user: User | None, limit: int = 6,
            body: str | None = None, types=("article", "question"), article_limit: int = ARTICLE_SUGGESTIONS,
            exclude: set[str] = frozenset()) -> list[SearchItem]:
    """Articles, then questions, like a question being written: ``q`` is its title (the last
    word may be half typed), ``body`` what it says so far. No snippets, not logged. Never fails
    for the engine: suggestions are a nicety, so a fault answers an empty list.

    ``types``: which types, in the order shown (articles first: the canonical answers);
    ``article_limit`` articles at most, ``limit`` questions; ``exclude``: keys to leave out."""
    parsed = parse_query((q or "")[:MAX_QUERY_LENGTH])  # while typing, nothing is an error
    context = context_of(body)
    if parsed.is_empty and context is None:
        return []
    items: list[SearchItem] = []
    for type_ in types:
        wanted = article_limit if type_ == "article" else limit
        try:
            hits = _engine(backend).suggest(parsed, audience_for(user), wanted + len(exclude), context=context,
                                            filters=Filters(type=type_))
        except Exception:
            log.warning("search suggestions failed", exc_info=True)
            hits = []
        hits = [h for h in hits if h.doc["key"] not in exclude][:wanted]
        items += _items(session, user, hits, set(parsed.words), set(), len(items) + 1, with_snippets=False)
    return items


# --- the log and the gap list -------------------------------------------------------------------

def normalize_query(q: str) -> str:
    return " ".join(fold(q).split())[:500]


def new_log_token() -> str:
    """An unguessable token naming one search in its click links (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


def log_entry(page: SearchPage, *, user: User | None, source: str = "web", token: str | None = None) -> dict:
    """The log row of a search as plain values, taken in the request (the job that writes it
    gets no ORM objects, and the time is the search's, not the job's)."""
    f = page.filters
    parts = [f"tag:{t}" for t in f.tags] + [f"{k}:{v}" for k, v in (
        ("status", f.status), ("type", f.type), ("visibility", f.visibility), ("team", f.team_id),
        ("from", f.date_from), ("to", f.date_to)) if v]
    role = user.role if user is not None and getattr(user, "is_authenticated", False) else "anonymous"
    return {"query": page.query[:500], "normalized": normalize_query(page.query), "role": role,
            "source": source, "filters": " ".join(parts)[:300], "result_count": page.total, "token": token,
            "created_at": utcnow().isoformat()}


def log_search(session: Session, entry: dict) -> None:
    """Write one search's log row (:func:`log_entry`)."""
    log_searches(session, [entry])


def log_searches(session: Session, entries: list[dict]) -> None:
    """Write many searches' log rows (:func:`log_entry`, times as ISO text) in one statement:
    a second of searches under load is thousands of rows."""
    rows = [{"clicked_key": None, "clicked_rank": None, **entry,
             "created_at": datetime.fromisoformat(entry["created_at"]),
             "clicked_at": datetime.fromisoformat(entry["clicked_at"]) if entry.get("clicked_at") else None}
            for entry in entries]
    if rows:
        session.execute(insert(SearchLog), rows)


def log_search_job(session: Session, entry: dict) -> None:
    """The job (app.jobs) that wrote one search's log row, before rows were buffered and
    written together (app.search.web): kept for jobs queued in Redis by an earlier release."""
    log_search(session, entry)


def record_click(session: Session, token: str, key: str, rank: int | None) -> bool:
    """Remember the first result clicked on the search that ``token`` names. Returns whether
    it was recorded: a token that names no search (forged, an old page, a row id) records
    nothing, so nobody can mark another person's search as clicked."""
    if not token:
        return False
    entry = session.scalar(select(SearchLog).where(SearchLog.token == token[:32]))
    if entry is None:
        return False
    if entry.clicked_key is None:
        entry.clicked_key, entry.clicked_rank, entry.clicked_at = key[:40], rank, utcnow()
    return True


def record_click_job(session: Session, token: str, key: str, rank: int | None) -> None:
    """The job (app.jobs) behind a click: the click URL is a GET, which writes nothing itself."""
    if not record_click(session, token, key, rank):
        log.info("search click not recorded: no search has that token")


@dataclass
class GapRow:
    query: str
    searches: int
    results: int
    last_at: datetime


def gaps(session: Session, *, days: int = 30, limit: int = 50) -> dict[str, list[GapRow]]:
    """Top searches of the last ``days`` with no results, and with results but no click."""
    since = utcnow() - timedelta(days=days)
    base = (select(SearchLog.normalized, func.count().label("n"), func.max(SearchLog.result_count),
                   func.max(SearchLog.created_at))
            .where(SearchLog.created_at >= since, SearchLog.normalized != "")
            .group_by(SearchLog.normalized))
    clicked = func.sum(case((SearchLog.clicked_key.is_not(None), 1), else_=0))
    no_results = base.having(func.max(SearchLog.result_count) == 0)
    no_clicks = base.having(func.max(SearchLog.result_count) > 0, clicked == 0)
    out = {}
    for name, stmt in (("no_results", no_results), ("no_clicks", no_clicks)):
        rows = session.execute(stmt.order_by(func.count().desc(), func.max(SearchLog.created_at).desc())
                               .limit(limit))
        out[name] = [GapRow(q, n, r, at) for q, n, r, at in rows]
    return out
