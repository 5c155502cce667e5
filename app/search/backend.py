"""The search port: what every engine offers, the values it takes and returns, and the factory.

Implementations: :class:`app.search.embedded.EmbeddedBackend` (SQLite FTS5 in its own file,
no server; the default) and :class:`app.search.meili.MeiliBackend` (a Meilisearch server via
the ``meilisearch`` client). Both pass ``tests/integration/test_search_contract.py``.

Visibility is part of every query (:class:`Audience`), so an engine applies it while it ranks
and pages, never afterwards.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from app.search.query import ParsedQuery

STATUSES = ("answered", "unanswered", "accepted")
TYPES = ("question", "article")
VISIBILITIES = ("public", "internal", "team")


class SearchUnavailable(RuntimeError):
    """The engine could not be reached, timed out, or refused the request. The port's
    implementations raise this, and only this, for faults of the engine; callers degrade
    (a 503 for a search, no suggestions, a logged index job) instead of failing."""


@dataclass(frozen=True)
class Audience:
    """Who is searching, as far as visibility goes (mirrors app.forum.access.visible_clause).

    ``everything``: moderators and admins; ``staff``: public, internal, and team content of
    ``team_ids``; otherwise (anonymous, customers) public content only.
    """
    staff: bool = False
    everything: bool = False
    team_ids: tuple[int, ...] = ()

    def allows(self, visibility: str, team_id: int | None) -> bool:
        if self.everything or visibility == "public":
            return True
        if not self.staff:
            return False
        return visibility == "internal" or (visibility == "team" and team_id in self.team_ids)


PUBLIC = Audience()


@dataclass(frozen=True)
class Filters:
    """Narrowing chosen by the user; every field optional. Dates are ``YYYY-MM-DD`` (UTC),
    ``date_to`` inclusive."""
    tags: tuple[str, ...] = ()
    status: str | None = None        # one of STATUSES
    type: str | None = None          # one of TYPES
    visibility: str | None = None    # one of VISIBILITIES (still within the audience)
    team_id: int | None = None
    date_from: str | None = None
    date_to: str | None = None


@dataclass(frozen=True)
class SearchRequest:
    query: ParsedQuery
    audience: Audience = PUBLIC
    filters: Filters = field(default_factory=Filters)
    page: int = 1
    per_page: int = 20


@dataclass
class Hit:
    """One result: the stored document (see documents.py) and the engine's relevance score
    (higher is better; comparable only within one result list)."""
    doc: dict
    score: float


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    # Folded words the engine matched, for highlighting: exact words, corrections, synonym
    # words; ``prefixes`` for search-as-you-type.
    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    corrected: dict[str, str] = field(default_factory=dict)  # typed word -> word searched


class SearchBackend(Protocol):
    """The port. Writes are idempotent; ``wait=True`` returns only once the change is visible
    to searches (read-after-write), which the after-commit indexer relies on."""

    name: str

    def setup(self) -> None:
        """Create the index and apply settings (idempotent; cheap when already done)."""

    def index(self, docs: Iterable[dict], *, wait: bool = True) -> None:
        """Add or replace documents by ``key``."""

    def delete(self, keys: Iterable[str], *, wait: bool = True) -> None:
        """Remove documents by key; unknown keys are ignored."""

    def rebuild(self, docs: Iterable[dict], *, progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with ``docs``; returns how many were indexed."""

    def search(self, request: SearchRequest) -> SearchResult:
        """One page of results visible to ``request.audience``, best first; an empty query
        lists matching documents newest first."""

    def suggest(self, query: ParsedQuery, audience: Audience, limit: int = 8, *,
                context: ParsedQuery | None = None, filters: Filters | None = None) -> list[Hit]:
        """A few documents most like a question being written (fast path): ``query`` is its
        title, whose last word may be half typed; ``context`` its body so far; ``filters``
        narrow (the type: articles above questions are two calls)."""

    def set_synonyms(self, groups: list[list[str]]) -> None:
        """Replace the synonym groups; each group lists equivalent words or phrases."""

    def count(self) -> int:
        """Documents in the index."""

    def close(self) -> None:
        """Release connections (tests and commands that open many backends)."""


def day_bounds(date_from: str | None, date_to: str | None) -> tuple[int | None, int | None]:
    """Epoch seconds [start, end) of an inclusive range of ``YYYY-MM-DD`` days (UTC)."""
    def ts(value: str, days: int = 0) -> int:
        d = date.fromisoformat(value) + timedelta(days=days)
        return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp())
    return (ts(date_from) if date_from else None), (ts(date_to, 1) if date_to else None)


def create_backend(config: dict) -> SearchBackend:
    """The backend named by ``config["SEARCH_BACKEND"]`` (``embedded`` | ``meilisearch``)."""
    kind = (config.get("SEARCH_BACKEND") or "embedded").lower()
    if kind == "embedded":
        from app.search.embedded import EmbeddedBackend

        return EmbeddedBackend(config["SEARCH_DB_PATH"])
    if kind in ("meilisearch", "meili"):
        from app.search.meili import MeiliBackend

        if not config.get("MEILI_URL"):
            raise RuntimeError("SEARCH_BACKEND=meilisearch needs MEILI_URL")
        return MeiliBackend(config["MEILI_URL"], config.get("MEILI_KEY"),
                            index_uid=config.get("MEILI_INDEX", "qaforum"),
                            connect_timeout=config.get("MEILI_CONNECT_TIMEOUT", 1.0),
                            timeout=config.get("MEILI_TIMEOUT", 3.0),
                            task_timeout=config.get("MEILI_TASK_TIMEOUT", 10.0))
    raise RuntimeError(f"unknown SEARCH_BACKEND {kind!r}: use embedded or meilisearch")
