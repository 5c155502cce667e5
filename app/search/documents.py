"""Search documents built from plain data (pure: no Flask, no database).

Input is model-ish dicts (see :func:`question_input` for how the indexer fills them); output
is one flat document dict per searchable thing, the same for every backend:

=============  ==========================================================================
key            ``"<type>-<id>"``, unique across types (Meilisearch's primary key charset)
type           ``"question"`` or ``"article"`` (articles join later through
               :func:`article_document`; nothing else in the search layer is per type)
id, slug       the object's id and URL slug
title          plain text
tags           list of tag names (filterable, searchable)
body           plain text of the question (or article)
answers        plain text of the live answers, accepted first, then by score; capped
visibility     ``public`` | ``internal`` | ``team``; ``team_id`` for team scope
is_answered    has a live answer; ``is_accepted``: has an accepted answer; ``is_closed``
score, answer_count, created_at (ISO 8601 UTC), created_ts (epoch seconds, for ranges)
source_url     address of the original post for imported content, else None
=============  ==========================================================================

A question that is deleted has no document (:func:`question_document` returns None): the
indexer then deletes it from the index, which is how deleted posts never appear.
"""
from __future__ import annotations

from datetime import datetime, timezone

from app.markup import plain_text

BODY_LIMIT = 20_000      # characters of body text indexed (the form allows 30,000)
ANSWERS_LIMIT = 20_000   # characters of all answers together
# Private-use characters mark highlights in engine output (see highlight.py); they must not
# occur in indexed text, or a post could inject its own highlight marks.
MARK_CHARS = ("\ue000", "\ue001")


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


def question_document(question: dict, answers: list[dict] | None = None) -> dict | None:
    """The document of one question, or None when it must not be searchable (deleted).

    ``question`` keys: id, title, slug, body_html, tags (names), visibility, team_id, score,
    answer_count, accepted_answer_id, closed_at, deleted_at, created_at, source_url.
    ``answers``: dicts with id, body_html, score, deleted_at.
    """
    if question.get("deleted_at"):
        return None
    answers = answers or []
    created_at, created_ts = _iso(question.get("created_at"))
    live_answers = sum(1 for a in answers if not a.get("deleted_at"))
    answer_count = question.get("answer_count")
    answer_count = live_answers if answer_count is None else answer_count
    return {
        "key": f"question-{question['id']}",
        "type": "question",
        "id": question["id"],
        "slug": question.get("slug") or "",
        "title": _clean(question.get("title") or ""),
        "tags": list(question.get("tags") or []),
        "body": _clean(plain_text(question.get("body_html") or ""))[:BODY_LIMIT],
        "answers": _answers_text(answers, question.get("accepted_answer_id")),
        "visibility": question.get("visibility") or "public",
        "team_id": question.get("team_id"),
        "is_answered": answer_count > 0,
        "is_accepted": question.get("accepted_answer_id") is not None,
        "is_closed": question.get("closed_at") is not None,
        "score": int(question.get("score") or 0),
        "answer_count": int(answer_count),
        "created_at": created_at,
        "created_ts": created_ts,
        "source_url": question.get("source_url"),
    }


def article_document(article: dict) -> dict | None:
    """The document of a knowledge-base article (for the ``kb`` domain when it lands).

    ``article`` keys: id, title, slug, body_html, categories (names, indexed as tags),
    audience (``public`` | ``internal`` | ``team``), team_id, status, created_at, source_url.
    Only published articles are searchable; an article counts as answered and accepted.
    """
    if article.get("status") != "published" or article.get("deleted_at"):
        return None
    created_at, created_ts = _iso(article.get("created_at"))
    return {
        "key": f"article-{article['id']}", "type": "article", "id": article["id"],
        "slug": article.get("slug") or "", "title": _clean(article.get("title") or ""),
        "tags": list(article.get("categories") or []),
        "body": _clean(plain_text(article.get("body_html") or ""))[:BODY_LIMIT], "answers": "",
        "visibility": article.get("audience") or "public", "team_id": article.get("team_id"),
        "is_answered": True, "is_accepted": True, "is_closed": False, "score": 0, "answer_count": 0,
        "created_at": created_at, "created_ts": created_ts, "source_url": article.get("source_url"),
    }


def question_input(question, answers) -> tuple[dict, list[dict]]:
    """Plain dicts from Question / Answer objects (anything with those attributes)."""
    q = {name: getattr(question, name) for name in (
        "id", "title", "slug", "body_html", "visibility", "team_id", "score", "answer_count",
        "accepted_answer_id", "closed_at", "deleted_at", "created_at", "source_url")}
    q["tags"] = [t.name for t in question.tags]
    a = [{name: getattr(ans, name) for name in ("id", "body_html", "score", "deleted_at")} for ans in answers]
    return q, a
