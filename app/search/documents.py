"""Search documents built from plain data (pure: no Flask, no database).

Every searchable thing, whatever its type, becomes one flat dict of the same shape
(:func:`document` builds and checks it), the same for every backend:

=============  ==========================================================================
key            ``"<type>-<id>"``, unique across types (Meilisearch's primary key charset);
               the index is keyed by (type, id) through it, so old indexes keep working
type           the source's type name: ``"question"``, ``"article"`` ... (filterable)
id, slug       the object's id and URL slug
title          plain text
tags           list of tag (or category) names (filterable, searchable)
body           plain text of the question (or article)
answers        plain text of the live answers, accepted first, then by score; capped
               (empty for types without answers)
visibility     who may find it: ``public`` | ``internal`` | ``team`` (an article's audience),
               with ``team_id`` for team scope. Required: there is no default, so a source
               cannot make something public by forgetting it. Engines filter on it inside
               the query (app.search.backend.Audience).
is_answered    has a live answer; ``is_accepted``: has an accepted answer; ``is_closed``
score, answer_count, created_at (ISO 8601 UTC), created_ts (epoch seconds, for ranges)
source_url     address of the original post for imported content, else None
=============  ==========================================================================

A question that is deleted has no document (:func:`question_document` returns None): the
indexer then deletes it from the index, which is how deleted posts never appear. Which
types exist and how their documents are read is the registry's business
(app.search.sources); this module only shapes them.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from app.markup import plain_text
from app.search.backend import VISIBILITIES

BODY_LIMIT = 20_000      # characters of body text indexed (the form allows 30,000)
ANSWERS_LIMIT = 20_000   # characters of all answers together
# Private-use characters mark highlights in engine output (see highlight.py); they must not
# occur in indexed text, or a post could inject its own highlight marks.
MARK_CHARS = ("\ue000", "\ue001")
# The stored fields, in the engines' column order (app/search/embedded_schema.py, meili.py).
FIELDS = ("key", "type", "id", "slug", "title", "tags", "body", "answers", "visibility", "team_id",
          "is_answered", "is_accepted", "is_closed", "score", "answer_count", "created_at", "created_ts",
          "source_url")
# A type name is part of the key, and Meilisearch allows only [A-Za-z0-9_-] in one.
TYPE_RE = re.compile(r"^[a-z][a-z_]{0,19}$")


def doc_key(type_: str, id_: int) -> str:
    """The index key of (type, id)."""
    return f"{type_}-{int(id_)}"


def parse_key(key: str) -> tuple[str, int] | None:
    """(type, id) from a key, or None when it is not one."""
    type_, _, number = (key or "").rpartition("-")
    if not TYPE_RE.match(type_) or not number.isdigit() or len(number) > 12:
        return None
    return type_, int(number)


def _clean(text: str) -> str:
    for ch in MARK_CHARS:
        text = text.replace(ch, "")
    return text


def _iso(value: datetime | None) -> tuple[str | None, int]:
    if value is None:
        return None, 0
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat(), int(value.replace(tzinfo=timezone.utc).timestamp())


def _answers_text(answers: list[dict], accepted_id: int | None) -> str:
    live = [a for a in answers if not a.get("deleted_at")]
    live.sort(key=lambda a: (a.get("id") != accepted_id, -(a.get("score") or 0), a.get("id") or 0))
    parts, size = [], 0
    for a in live:
        text = plain_text(a.get("body_html") or "")
        parts.append(text[: ANSWERS_LIMIT - size])
        size += len(parts[-1]) + 1
        if size >= ANSWERS_LIMIT:
            break
    return _clean("\n".join(parts))


def document(type_: str, id_: int, *, title: str, visibility: str, team_id: int | None = None, slug: str = "",
             tags=(), body_html: str = "", answers_text: str = "", is_answered: bool = False,
             is_accepted: bool = False, is_closed: bool = False, score: int = 0, answer_count: int = 0,
             created_at: datetime | None = None, source_url: str | None = None) -> dict:
    """One document of any type, checked: what every source's ``documents`` returns.

    ``type_``: the source's type name; ``visibility`` and ``team_id``: who may find it (an
    article passes its audience). ValueError for a bad type name or visibility, or a team
    document without a team: such a document would be found by the wrong people."""
    if not TYPE_RE.match(type_ or ""):
        raise ValueError(f"bad document type {type_!r}")
    if visibility not in VISIBILITIES:
        raise ValueError(f"{type_}-{id_}: visibility must be one of {VISIBILITIES}, not {visibility!r}")
    if visibility == "team" and team_id is None:
        raise ValueError(f"{type_}-{id_}: a team document needs its team_id")
    created, created_ts = _iso(created_at)
    return {
        "key": doc_key(type_, id_), "type": type_, "id": int(id_), "slug": slug or "",
        "title": _clean(title or ""), "tags": list(tags or []),
        "body": _clean(plain_text(body_html or ""))[:BODY_LIMIT], "answers": answers_text,
        "visibility": visibility, "team_id": team_id,
        "is_answered": bool(is_answered), "is_accepted": bool(is_accepted), "is_closed": bool(is_closed),
        "score": int(score or 0), "answer_count": int(answer_count or 0),
        "created_at": created, "created_ts": created_ts, "source_url": source_url,
    }


def question_document(question: dict, answers: list[dict] | None = None) -> dict | None:
    """The document of one question, or None when it must not be searchable (deleted).

    ``question`` keys: id, title, slug, body_html, tags (names), visibility, team_id, score,
    answer_count, accepted_answer_id, closed_at, deleted_at, created_at, source_url.
    ``answers``: dicts with id, body_html, score, deleted_at.
    """
    if question.get("deleted_at"):
        return None
    answers = answers or []
    live_answers = sum(1 for a in answers if not a.get("deleted_at"))
    answer_count = question.get("answer_count")
    answer_count = live_answers if answer_count is None else answer_count
    return document(
        "question", question["id"], title=question.get("title") or "", slug=question.get("slug") or "",
        visibility=question.get("visibility"), team_id=question.get("team_id"), tags=question.get("tags"),
        body_html=question.get("body_html") or "",
        answers_text=_answers_text(answers, question.get("accepted_answer_id")),
        is_answered=answer_count > 0, is_accepted=question.get("accepted_answer_id") is not None,
        is_closed=question.get("closed_at") is not None, score=question.get("score") or 0,
        answer_count=answer_count, created_at=question.get("created_at"), source_url=question.get("source_url"))


def article_document(article: dict) -> dict | None:
    """The document of a knowledge-base article (the ``kb`` domain's source), or None when it
    must not be searchable.

    ``article`` keys: id, title, slug, body_html (the published version's sections),
    categories (tag and category names, indexed as tags), audience (``public`` | ``internal`` |
    ``team``; required), team_id, created_at, source_url; ``readable`` (a published version,
    not archived; without it, ``status == "published"`` decides); ``score`` (reuse links plus
    helpful votes: the engines' tie-breaker raises reused, liked articles). An article counts
    as answered and accepted.
    """
    readable = article.get("readable", article.get("status") == "published")
    if not readable or article.get("deleted_at"):
        return None
    return document(
        "article", article["id"], title=article.get("title") or "", slug=article.get("slug") or "",
        visibility=article.get("audience"), team_id=article.get("team_id"), tags=article.get("categories"),
        body_html=article.get("body_html") or "", is_answered=True, is_accepted=True,
        score=article.get("score") or 0, created_at=article.get("created_at"), source_url=article.get("source_url"))


def question_input(question, answers) -> tuple[dict, list[dict]]:
    """Plain dicts from Question / Answer objects (anything with those attributes)."""
    q = {name: getattr(question, name) for name in (
        "id", "title", "slug", "body_html", "visibility", "team_id", "score", "answer_count",
        "accepted_answer_id", "closed_at", "deleted_at", "created_at", "source_url")}
    q["tags"] = [t.name for t in question.tags]
    a = [{name: getattr(ans, name) for name in ("id", "body_html", "score", "deleted_at")} for ans in answers]
    return q, a
