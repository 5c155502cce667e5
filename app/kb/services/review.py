"""Content health over time: review dates that pass, and sources that change under an article.

* :func:`review_due` (the daily job and ``flask kb review-due``): published articles whose
  review date has come move to needs_review (reason ``expired``), and their owners are told.
* :func:`source_changed`: the forum's signals about a source answer or question (an edited
  answer, a re-opened question, a changed accepted answer) move the article to needs_review
  (reason ``source_changed``), with what happened in the log.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.kb.models import Article, ArticleSource, Status
from app.kb.services import stats, workflow


def due_articles(session: Session, limit: int | None = None) -> list[Article]:
    stmt = (select(Article).where(Article.status == Status.published.value, Article.review_by.is_not(None),
                                  Article.review_by <= utcnow().date()).order_by(Article.review_by, Article.id))
    return list(session.scalars(stmt.limit(limit) if limit else stmt))


def review_due(session: Session, *, dry_run: bool = False) -> list[Article]:
    """Move every published article whose review date has come to needs_review and tell its
    owners; returns them. Idempotent (a second run finds nothing), so two schedulers firing at
    once do no harm beyond a retried transaction."""
    found = due_articles(session)
    if not dry_run:
        for article in found:
            workflow.mark_needs_review(session, article, "expired", note=article.review_by.isoformat())
    return found


def review_due_job(session: Session) -> None:
    """The daily periodic job (registered by app.kb.connect): review dates and popularity."""
    review_due(session)
    stats.refresh_all_popularity(session)


def source_changed(session: Session, *, answer_ids=(), question_ids=(), what: str, by: User | None) -> int:
    """Articles promoted from these answers (or from any answer of these questions) need
    review; ``what`` (answer_edited, question_reopened, accepted_changed) goes to the log.
    Returns how many moved."""
    conditions = []
    if answer_ids:
        conditions.append(ArticleSource.answer_id.in_(list(answer_ids)))
    if question_ids:
        conditions.append(ArticleSource.question_id.in_(list(question_ids)))
    if not conditions:
        return 0
    from sqlalchemy import or_

    articles = session.scalars(select(Article).join(ArticleSource, ArticleSource.article_id == Article.id)
                               .where(or_(*conditions)).distinct())
    moved = 0
    for article in articles:
        moved += workflow.mark_needs_review(session, article, "source_changed", by=by, note=what)
    return moved
