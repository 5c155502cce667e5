"""Addresses of forum pages that other code builds (templates, search results, notifications)."""
from __future__ import annotations

from flask import url_for

# Sub-pages of /questions/<id>/ that a GET can reach: a question whose slug is one of these
# words is addressed without its slug, or its canonical URL would open the sub-page.
RESERVED_SLUGS = frozenset({"edit", "revisions", "answers", "comments", "vote", "close", "reopen",
                            "duplicate", "delete", "undelete", "follow", "unfollow", "routing"})


def canonical_slug(question) -> str | None:
    return None if question.slug in RESERVED_SLUGS else question.slug


def question_url(question, **kwargs) -> str:
    """The canonical address of a question (templates use it as ``question_url``); ``question``
    needs only ``id`` and ``slug``."""
    return url_for("forum.question", question_id=question.id, slug=canonical_slug(question), **kwargs)
