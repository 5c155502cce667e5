"""Addresses of knowledge-base pages that other code builds (templates, search results,
notifications, the API)."""
from __future__ import annotations

from flask import url_for

# Sub-pages of /kb/articles/<id>/ that a GET can reach: an article whose slug is one of these
# words is addressed without its slug.
RESERVED_SLUGS = frozenset({"diff", "edit", "feedback", "flags", "print", "transition", "versions"})


def canonical_slug(slug: str | None) -> str | None:
    return None if not slug or slug in RESERVED_SLUGS else slug


def article_url(article, **kwargs) -> str:
    """The canonical address of an article (``article``: anything with ``id`` and ``slug``)."""
    return url_for("kb.article", article_id=article.id, slug=canonical_slug(article.slug), **kwargs)
