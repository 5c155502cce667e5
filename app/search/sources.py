"""The registry of document sources: what can be searched, and how the index learns of changes.

A :class:`DocumentSource` is one type of searchable thing (questions; the knowledge base's
articles when it lands). It says, for its type:

* ``documents(session, ids)``: the documents (app.search.documents.document) of those ids that
  must be searchable; an id it returns nothing for leaves the index (deleted, unpublished);
* ``all_ids(session, after, limit)``: up to ``limit`` ids greater than ``after``, ascending, of
  everything that should be searchable (``flask search reindex`` pages through them);
* ``count(session)``: how many that is (the reindex progress bar);
* ``dirty``: {signal: fn(sender, **kwargs) -> ids}: which of its ids a signal makes stale;
* ``visible_ids(session, user, ids)``: which ids ``user`` may see now, by the owning domain's
  access rules. A safety net for an index lagging the database, never the mechanism: every
  engine applies visibility inside its query (documents carry ``visibility`` and ``team_id``);
* ``url(id, slug, external)``: the result's page (None: the search page for its title).

The index is keyed by (type, id) through ``"<type>-<id>"`` keys. The indexer and ``flask
search reindex`` iterate over the registered sources; nothing else in search is per type.
The search domain registers questions itself (app/search/question_source.py); another domain
registers its own type from its own ``init``/``connect`` (registering again replaces: apps come
and go in tests, the registry is per process like the signals).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.search.documents import TYPE_RE, doc_key, parse_key

Ref = tuple[str, int]   # (type, id)


@dataclass(frozen=True)
class DocumentSource:
    type: str
    documents: Callable[[Any, list[int]], Iterable[dict]]
    all_ids: Callable[[Any, int, int], list[int]]
    count: Callable[[Any], int]
    visible_ids: Callable[[Any, Any, list[int]], set[int]]
    dirty: Mapping[Any, Callable[..., Iterable[int | None]]] = field(default_factory=dict)
    url: Callable[[int, str | None, bool], str] | None = None

    def __post_init__(self):
        if not TYPE_RE.match(self.type or ""):
            raise ValueError(f"bad document type {self.type!r}: lower-case letters and _ only")


_SOURCES: dict[str, DocumentSource] = {}


def register_source(source: DocumentSource) -> None:
    """Make ``source``'s type searchable: the indexer listens to its ``dirty`` signals from now
    on, and reindex includes it. Idempotent per type (the last registration wins)."""
    from app.search import indexer  # the indexer reads this registry: imported late, no cycle

    _SOURCES[source.type] = source
    indexer.listen(source)


def unregister_source(type_: str) -> None:
    """Forget a type (tests; a domain switched off). Its receivers stay connected but find no
    source, so they record nothing; its documents stay in the index until a reindex."""
    _SOURCES.pop(type_, None)


def get_source(type_: str) -> DocumentSource | None:
    return _SOURCES.get(type_)


def all_sources() -> list[DocumentSource]:
    """Registered sources, in registration order."""
    return list(_SOURCES.values())


def source_of_key(key: str) -> tuple[DocumentSource, int] | None:
    """The registered source and id a key names, or None (unknown type, not a key)."""
    parsed = parse_key(key)
    if parsed is None or parsed[0] not in _SOURCES:
        return None
    return _SOURCES[parsed[0]], parsed[1]


__all__ = ["DocumentSource", "Ref", "all_sources", "doc_key", "get_source", "parse_key", "register_source",
           "source_of_key", "unregister_source"]
