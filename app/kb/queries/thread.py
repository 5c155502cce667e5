"""What the knowledge base shows on forum pages: the articles a thread's answers became, the
articles linked to it as its answer (reuse), and a person's credited articles. One query per
page each; filtered by ``app.kb.access`` for the viewer."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import g
from sqlalchemy import desc, func, literal, select, union_all
from sqlalchemy.orm import Session

from app.kb import access
from app.kb.models import Article, ArticleCredit, ArticleSource, ArticleVersion, ReuseLink
from app.kb.queries.reader import Row, readable


@dataclass
class Linked:
    article: Article
    title: str
    readable: bool        # False: the viewer sees it only as an editor (a draft)


@dataclass
class ThreadArticles:
    promoted: dict[int, Linked] = field(default_factory=dict)     # answer id -> its article
    reused: list[tuple[Linked, ReuseLink]] = field(default_factory=list)
    promoted_ids: set[int] = field(default_factory=set)           # every promoted answer, seen or not


def thread_articles(session: Session, question_id: int, viewer) -> ThreadArticles:
    """Articles of one question page, in one query (cached for the request: several slots ask)."""
    cache = g.setdefault("kb_thread_articles", {})
    key = (question_id, getattr(access.real(viewer), "id", None))
    if key in cache:
        return cache[key]
    sources = select(ArticleSource.article_id.label("article_id"), ArticleSource.answer_id.label("answer_id"),
                     literal(None).label("link_id")).where(ArticleSource.question_id == question_id)
    links = select(ReuseLink.article_id, literal(None), ReuseLink.id).where(ReuseLink.question_id == question_id)
    both = union_all(sources, links).subquery()
    version = ArticleVersion.id == func.coalesce(Article.published_version_id, Article.current_version_id)
    rows = session.execute(select(Article, ArticleVersion.title, both.c.answer_id, ReuseLink)
                           .join(both, both.c.article_id == Article.id)
                           .join(ArticleVersion, version)
                           .outerjoin(ReuseLink, ReuseLink.id == both.c.link_id)
                           .order_by(Article.id)).all()
    found = ThreadArticles()
    for article, title, answer_id, link in rows:
        if answer_id is not None:
            found.promoted_ids.add(answer_id)
        can_read = access.can_read(article, viewer)
        if not (can_read or access.can_edit(article, viewer)):
            continue
        item = Linked(article, title, can_read)
        if answer_id is not None:
            found.promoted[answer_id] = item
        elif link is not None and can_read:
            found.reused.append((item, link))
    cache[key] = found
    return found


def credited_articles(session: Session, user_id: int, viewer, limit: int = 10) -> list[Row]:
    """Readable articles crediting ``user_id`` (answerer, asker or editor), newest first."""
    stmt = (readable(viewer).where(Article.id.in_(select(ArticleCredit.article_id)
                                                  .where(ArticleCredit.user_id == user_id)))
            .order_by(desc(Article.published_at), desc(Article.id)).limit(limit))
    return [Row(a, v) for a, v in session.execute(stmt)]
