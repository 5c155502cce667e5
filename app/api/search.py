"""GET /api/v1/search and /api/v1/search/suggest.

Searches are logged like the page's (source "api", by a job after the response); suggestions,
sent on every keystroke of a title, are not. This module also describes its routes in the
OpenAPI document (the document's dicts are extended here, so the routes and their description
live together).
"""
from __future__ import annotations

import time

from flask import current_app, request

from app.api import bp, openapi
from app.api.common import BadInput, choice_arg, int_arg, paging, viewer
from app.api.openapi_schemas import BOOL, COMPONENTS, INT, STR, URL, nullable, obj, page_of, ref
from app.errors import Invalid
from app.extensions import db
from app.search import get_backend, service
from app.search.web import filters_from_args, item_url, log_later

SUGGEST_LIMIT = 8
MAX_SUGGEST = 20


def _item(item: service.SearchItem) -> dict:
    return {"type": item.type, "id": item.id, "title": item.title, "url": item_url(item, external=True),
            "snippet": str(item.snippet_html), "score": item.score, "source_url": item.source_url,
            "tags": item.tags, "is_answered": item.is_answered, "is_accepted": item.is_accepted,
            "answer_count": item.answer_count, "created_at": item.created_at and item.created_at + "Z"}


def _params():
    """Filters and the query; bad values are a 400 naming the parameter."""
    try:
        filters = filters_from_args()
        q = request.args.get("q", "")
        service.parse(q)
    except Invalid as err:
        raise BadInput(err.detail, errors=err.errors) from None
    return q, filters


@bp.get("/search")
def search():
    page, per_page = paging()
    q, filters = _params()
    result = service.search(db.session, get_backend, q=q, user=viewer(), filters=filters, page=page,
                            per_page=per_page)
    if q.strip():
        log_later(result, viewer(), "api")  # written by a job: a GET writes nothing itself
    return {"items": [_item(i) for i in result.items], "total": result.total, "page": result.page,
            "per_page": result.per_page, "corrected": result.corrected}


@bp.get("/search/suggest")
def search_suggest():
    started = time.perf_counter()
    q = request.args.get("q", "")[:200]  # a title is at most 200 characters
    body = request.args.get("body", "")[:service.SUGGEST_BODY_CHARS]
    type_ = choice_arg("type", ("", "question", "article"), "")
    limit = int_arg("limit", SUGGEST_LIMIT, minimum=1, maximum=MAX_SUGGEST)
    items = service.suggest(db.session, get_backend, q=q, body=body, user=viewer(), limit=limit,
                            types=(type_,) if type_ else ("article", "question"),
                            article_limit=limit if type_ == "article" else service.ARTICLE_SUGGESTIONS)
    took = (time.perf_counter() - started) * 1000
    if took > 100:
        current_app.logger.warning("search suggest took %.0f ms for %r", took, q[:50])
    return {"items": [{"type": i.type, "id": i.id, "title": i.title, "url": item_url(i, external=True),
                       "is_answered": i.is_answered, "is_accepted": i.is_accepted,
                       "answer_count": i.answer_count} for i in items]}


# --- OpenAPI ----------------------------------------------------------------------------------

_TYPE = {"type": "string", "enum": ["question", "article"]}
COMPONENTS["schemas"].update({
    "SearchHit": obj({
        "type": _TYPE, "id": INT, "title": STR, "url": {**URL, "description": "The result's HTML page."},
        "snippet": {**STR, "description": "Escaped text with <mark> around the matched words."},
        "score": {"type": "number", "description": "Relevance; comparable within one result list."},
        "source_url": nullable({**URL, "description": "Original address of an imported post (CC BY-SA)."}),
        "tags": {"type": "array", "items": STR}, "is_answered": BOOL, "is_accepted": BOOL,
        "answer_count": INT, "created_at": nullable({"type": "string", "format": "date-time"})}),
    "SearchPage": obj({**page_of("SearchHit")["properties"],
                       "corrected": {"type": "object", "additionalProperties": STR,
                                     "description": "Typed word -> the word also searched (typo)."}}),
    "SuggestList": obj({"items": {"type": "array", "items": obj({
        "type": _TYPE, "id": INT, "title": STR, "url": URL, "is_answered": BOOL, "is_accepted": BOOL,
        "answer_count": INT})}}),
})
_Q = {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 500},
      "description": "Words; \"quoted phrases\"; the last word also matches as a prefix; typos tolerated. "
                     "Empty: every visible result of the filters, newest first."}
_FILTERS = [
    _Q,
    {"name": "tag", "in": "query", "schema": {"type": "string"}, "description": "Tag (repeatable: all of them)."},
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["answered", "unanswered", "accepted"]}},
    {"name": "type", "in": "query", "schema": _TYPE},
    {"name": "visibility", "in": "query", "schema": {"type": "string", "enum": ["public", "internal", "team"]}},
    {"name": "team", "in": "query", "schema": {"type": "string"}, "description": "Team slug or id."},
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Asked on or after."},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Asked on or before."},
    ref("page", "parameters"), ref("per_page", "parameters"),
]
openapi.PATHS["/search"] = {"get": openapi.read(
    "search", "Search what the caller may see (visibility applies inside the engine's query).",
    "SearchPage", tag="search", params=_FILTERS, errors=(400, 401))}
openapi.PATHS["/search/suggest"] = {"get": openapi.read(
    "search_suggest", "Articles (at most 3, first) and questions (at most `limit`) like a question being "
    "written: its title and its body so far.", "SuggestList", tag="search", params=[
        {**_Q, "description": "The title typed so far (its last word may be half typed)."},
        {"name": "body", "in": "query", "schema": {"type": "string", "maxLength": 2000},
         "description": "The body typed so far: its most informative words help find duplicates."},
        {"name": "type", "in": "query", "schema": _TYPE, "description": "Only this type."},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 20, "default": 8},
         "description": "How many questions (and, with type=article, articles)."}], errors=(400, 401))}
if {"name": "search"} not in openapi.DOCUMENT["tags"]:
    openapi.DOCUMENT["tags"].append({"name": "search"})
