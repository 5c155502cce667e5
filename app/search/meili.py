"""The Meilisearch backend (a server at MEILI_URL), through the official ``meilisearch`` client.

Meilisearch does its own analysis (charabia segments Chinese with jieba), typo tolerance,
prefix search and ranking; this adapter configures it to match the embedded engine's rules
(settings below), turns the port's requests into search parameters and filter expressions,
and waits on tasks whenever the caller asks for read-after-write (``wait=True``).

Visibility is a filter expression in the same search request (``_audience_filter``), so
Meilisearch pages over visible documents only.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import meilisearch
import requests
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from app.search.backend import Audience, Filters, Hit, SearchRequest, SearchResult, SearchUnavailable, day_bounds
from app.text import fold
from app.search.documents import MARK_CHARS
from app.search.query import ParsedQuery

log = logging.getLogger(__name__)
PRE, POST = MARK_CHARS
BATCH = 1000
STORED = ("key", "type", "id", "slug", "title", "tags", "body", "answers", "visibility", "team_id",
          "is_answered", "is_accepted", "is_closed", "score", "answer_count", "created_at", "created_ts",
          "source_url")

SETTINGS = {
    # Order is the attribute ranking: title > tags > body > answers.
    "searchableAttributes": ["title", "tags", "body", "answers"],
    "filterableAttributes": ["key", "type", "tags", "visibility", "team_id", "is_answered", "is_accepted",
                             "is_closed", "created_ts"],
    "sortableAttributes": ["created_ts", "score"],
    # Meilisearch's default rules, then the tie-breakers: articles, accepted, then score.
    # An article (the canonical answer) before a question of equal relevance: "article" sorts
    # before "question".
    "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness", "type:asc", "is_accepted:desc",
                     "score:desc"],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "pagination": {"maxTotalHits": 10000},
}


def _q(value) -> str:
    """A filter value: numbers bare, strings double-quoted with escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def audience_filter(audience: Audience) -> str | None:
    if audience.everything:
        return None
    if not audience.staff:
        return 'visibility = "public"'
    if not audience.team_ids:
        return 'visibility IN ["public", "internal"]'
    teams = ", ".join(str(int(t)) for t in audience.team_ids)
    return f'(visibility IN ["public", "internal"] OR (visibility = "team" AND team_id IN [{teams}]))'


def filter_expressions(audience: Audience, f: Filters) -> list[str]:
    """The search's ``filter`` array (all must hold): the audience first, then the user's."""
    out = [e for e in [audience_filter(audience)] if e]
    out += [f"tags = {_q(t)}" for t in f.tags]
    status = {"answered": "is_answered = true", "unanswered": "is_answered = false",
              "accepted": "is_accepted = true"}.get(f.status or "")
    out += [status] if status else []
    for attr, value in (("type", f.type), ("visibility", f.visibility), ("team_id", f.team_id)):
        if value is not None:
            out.append(f"{attr} = {_q(value)}")
    start, end = day_bounds(f.date_from, f.date_to)
    if start is not None:
        out.append(f"created_ts >= {start}")
    if end is not None:
        out.append(f"created_ts < {end}")
    return out


def query_text(query: ParsedQuery) -> str:
    """The words again, phrases quoted; anything else the user typed is dropped, so the two
    backends read the same words (and Meilisearch's '-' negation is never triggered)."""
    parts = ['"' + " ".join(c.words) + '"' if c.exact else c.words[0] for c in query.clauses]
    return " ".join(parts)


class MeiliBackend:
    name = "meilisearch"

    def __init__(self, url: str, key: str | None = None, *, index_uid: str = "qaforum",
                 connect_timeout: float = 1.0, timeout: float = 3.0, task_timeout: float = 10.0):
        """Every HTTP request gives up after ``connect_timeout`` seconds to connect and
        ``timeout`` to answer (requests' (connect, read) pair), so a server that is down or hung
        costs a search a bounded wait; ``task_timeout`` bounds waiting for a write to apply
        (only index jobs wait for that)."""
        self.client = meilisearch.Client(url, key or None, timeout=(connect_timeout, timeout))
        self.index_uid = index_uid
        self.timeout_ms = int(task_timeout * 1000)
        self.index_ = self.client.index(index_uid)

    def _wait(self, task) -> None:
        done = self._call(self.client.wait_for_task, task.task_uid, timeout_in_ms=self.timeout_ms,
                          interval_in_ms=20)
        if done.status != "succeeded":
            raise SearchUnavailable(f"Meilisearch task {done.uid} {done.status}: {done.error}")

    def _call(self, fn: Callable, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError,
                requests.RequestException) as err:
            raise SearchUnavailable(str(err)) from err

    def setup(self) -> None:
        try:
            self.client.get_index(self.index_uid)
        except MeilisearchApiError as err:
            if getattr(err, "code", None) != "index_not_found":
                raise SearchUnavailable(str(err)) from err
            self._wait(self._call(self.client.create_index, self.index_uid, {"primaryKey": "key"}))
        except (MeilisearchCommunicationError, MeilisearchTimeoutError, requests.RequestException) as err:
            raise SearchUnavailable(str(err)) from err
        self._wait(self._call(self.index_.update_settings, SETTINGS))

    def drop(self) -> None:
        """Delete the whole index (tests that made their own)."""
        self._wait(self._call(self.client.delete_index, self.index_uid))

    def index(self, docs: Iterable[dict], *, wait: bool = True) -> None:
        docs = [{k: d[k] for k in STORED} for d in docs]
        for start in range(0, len(docs), BATCH):
            task = self._call(self.index_.add_documents, docs[start:start + BATCH], primary_key="key")
            if wait:
                self._wait(task)

    def delete(self, keys: Iterable[str], *, wait: bool = True) -> None:
        keys = list(keys)
        if keys:
            task = self._call(self.index_.delete_documents,
                              filter=f"key IN [{', '.join(_q(k) for k in keys)}]")
            if wait:
                self._wait(task)

    def rebuild(self, docs: Iterable[dict], *, progress: Callable[[int], None] | None = None) -> int:
        self._wait(self._call(self.index_.delete_all_documents))
        total, batch = 0, []
        for doc in docs:
            batch.append(doc)
            if len(batch) == BATCH:
                self.index(batch, wait=True)
                total += len(batch)
                progress and progress(len(batch))
                batch = []
        if batch:
            self.index(batch, wait=True)
            total += len(batch)
            progress and progress(len(batch))
        return total

    def search(self, request: SearchRequest) -> SearchResult:
        params = {
            "page": request.page, "hitsPerPage": request.per_page,
            "filter": filter_expressions(request.audience, request.filters),
            "attributesToRetrieve": list(STORED), "attributesToHighlight": ["title", "body", "answers"],
            "highlightPreTag": PRE, "highlightPostTag": POST, "showRankingScore": True,
        }
        if request.query.is_empty:
            params["sort"] = ["created_ts:desc"]
        found = self._call(self.index_.search, query_text(request.query), params)
        result = SearchResult([], int(found.get("totalHits", 0)), request.page, request.per_page)
        result.terms = set(request.query.words)
        for raw in found.get("hits", []):
            result.terms |= _marked_words(raw.get("_formatted") or {})
            result.hits.append(Hit({k: raw.get(k) for k in STORED}, float(raw.get("_rankingScore") or 0.0)))
        return result

    def suggest(self, query: ParsedQuery, audience: Audience, limit: int = 8, *,
                context: ParsedQuery | None = None, filters: Filters | None = None) -> list[Hit]:
        """Meilisearch reads at most ten query words and weighs them alike, so a question being
        written is searched by its title over every attribute (title > tags > body > answers),
        dropping the last words first when nothing has them all; the body's words stand in
        only while there is no title yet."""
        text = query_text(query) if not query.is_empty else " ".join((context.words if context else [])[:10])
        if not text:
            return []
        params = {"limit": limit, "filter": filter_expressions(audience, filters or Filters()),
                  "attributesToSearchOn": ["title", "tags", "body", "answers"], "attributesToRetrieve": list(STORED),
                  "showRankingScore": True, "matchingStrategy": "last"}
        found = self._call(self.index_.search, text, params)
        return [Hit({k: h.get(k) for k in STORED}, float(h.get("_rankingScore") or 0.0))
                for h in found.get("hits", [])]

    def set_synonyms(self, groups: list[list[str]]) -> None:
        """Meilisearch's synonyms are a map; a group becomes every phrase -> the others."""
        mapping: dict[str, list[str]] = {}
        for group in groups:
            phrases = [fold(p) for p in group]
            for p in phrases:
                mapping.setdefault(p, []).extend(o for o in phrases if o != p and o not in mapping[p])
        self._wait(self._call(self.index_.update_synonyms, mapping))

    def count(self) -> int:
        return self._call(self.index_.get_stats).number_of_documents

    def close(self) -> None:
        pass  # the client keeps no open connections


def _marked_words(formatted: dict) -> set[str]:
    """Folded words Meilisearch highlighted (typo corrections and synonyms included)."""
    words: set[str] = set()
    for value in formatted.values():
        if isinstance(value, str) and PRE in value:
            for piece in value.split(PRE)[1:]:
                words.update(fold(piece.split(POST, 1)[0]).split())
    return words
