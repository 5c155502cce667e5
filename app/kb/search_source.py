"""Articles as a search document source (app.search.sources): readable articles are indexed
with their published version's text, next to questions, in both engines.

The document's ``visibility`` is the article's audience, so each engine applies it inside its
own query; ``visible_ids`` (the safety net for an index that lags) asks app.kb.access. The
score carries reuse and helpful votes (each engine's tie-breaker), so reused, liked articles
rank higher among equally relevant results.
"""
from __future__ import annotations

from collections.abc import Iterator

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.forum.models import Tag
from app.kb import access, events
from app.kb.urls import canonical_slug
from app.kb.models import Article, ArticleCategory, ArticleTag, ArticleVersion, Category
from app.search.documents import article_document
from app.search.sources import DocumentSource, register_source


def _sections_html(version: ArticleVersion) -> str:
    return "\n".join(version.section_html(n) for n in ("issue", "environment", "resolution", "cause"))


def documents(session: Session, ids: list[int]) -> Iterator[dict]:
    """Documents of the readable articles among ``ids`` (others: nothing, so they leave)."""
    rows = session.execute(select(Article, ArticleVersion).join(
        ArticleVersion, ArticleVersion.id == Article.published_version_id).where(
        Article.id.in_(ids), access.readable_clause())).all()
    if not rows:
        return
    found = [a.id for a, _ in rows]
    names: dict[int, list[str]] = {}
    for article_id, name in session.execute(
            select(ArticleTag.article_id, Tag.name).join(Tag, Tag.id == ArticleTag.tag_id)
            .where(ArticleTag.article_id.in_(found)).order_by(ArticleTag.position)):
        names.setdefault(article_id, []).append(name)
    for article_id, name in session.execute(
            select(ArticleCategory.article_id, Category.name).join(Category, Category.id == ArticleCategory.category_id)
            .where(ArticleCategory.article_id.in_(found))):
        names.setdefault(article_id, []).append(name)
    for article, version in rows:
        doc = article_document({
            "id": article.id, "title": version.title, "slug": article.slug, "body_html": _sections_html(version),
            "categories": list(dict.fromkeys(names.get(article.id, []))), "audience": article.audience,
            "team_id": article.team_id, "readable": True, "created_at": article.first_published_at,
            "source_url": article.source_url, "score": article.reuse_count + article.helpful_count})
        if doc is not None:
            yield doc


def all_ids(session: Session, after: int, limit: int) -> list[int]:
    return list(session.scalars(select(Article.id).where(Article.id > after, access.readable_clause())
                                .order_by(Article.id).limit(limit)))


def count(session: Session) -> int:
    return session.scalar(select(func.count(Article.id)).where(access.readable_clause())) or 0


def visible_ids(session: Session, user, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(select(Article.id).where(Article.id.in_(ids), access.reader_clause(user))))


def url(id_: int, slug: str | None, external: bool) -> str:
    return url_for("kb.article", article_id=id_, slug=canonical_slug(slug), _external=external)


ARTICLES = DocumentSource(type="article", documents=documents, all_ids=all_ids, count=count,
                          visible_ids=visible_ids, dirty={events.article_changed: lambda article, **_: [article.id]},
                          url=url)


def register() -> None:
    register_source(ARTICLES)
