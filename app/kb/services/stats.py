"""Article views and popularity ("popular": views and helpful votes of the last 30 days).

A page view only reads: views go into an in-process buffer and a job writes them a second
later, in one short transaction (as the forum's question views do). ``Article.popularity`` is
kept up to date for the articles a job or a vote touches, and recomputed for all by the daily
sweep (old days drop out of the window), so the home page sorts by a column.
"""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from app.db import after_commit, utcnow
from app.kb.models import Article, ArticleDailyViews, ArticleFeedback
from app.kb.services import common

WINDOW_DAYS = 30
FLUSH_DELAY_S = 1.0
_lock = threading.Lock()
_pending: Counter[tuple[int, object]] = Counter()
_scheduled = False


def count_view(session: Session | None, article_id: int) -> None:
    """One view of ``article_id`` today; written by :func:`flush_views_job` after the request
    (``session``'s commit; None: a page answered from the cache, which has no transaction)."""
    global _scheduled
    with _lock:
        _pending[(article_id, utcnow().date())] += 1
        if _scheduled:
            return
        _scheduled = True
    from app.jobs import enqueue

    after_commit(session, enqueue, flush_views_job, delay=FLUSH_DELAY_S, local=True)


# Views are not content: counting them does not move the page cache's version (app.cache), or
# every flush of the buffer would drop every cached page; the counts and the popular order catch
# up with the next write or within the cache's TTL.
_QUIET = {"synchronize_session": False, "content_quiet": True}


def flush_views_job(session: Session) -> None:
    """Write the buffered views (a job: ``session`` is its own transaction)."""
    global _scheduled
    with _lock:
        batch = sorted(_pending.items())
        _pending.clear()
        _scheduled = False
    if not batch:
        return
    for (article_id, day), views in batch:
        updated = session.execute(update(ArticleDailyViews).where(
            ArticleDailyViews.article_id == article_id, ArticleDailyViews.day == day)
            .values(views=ArticleDailyViews.views + views), execution_options=_QUIET)
        if not updated.rowcount:
            session.add(ArticleDailyViews(article_id=article_id, day=day, views=views))
        session.execute(update(Article).where(Article.id == article_id)
                        .values(view_count=Article.view_count + views), execution_options=_QUIET)
    session.flush()
    refresh_popularity(session, sorted({a for (a, _), _ in batch}), quiet=True)


def _popularity(since):
    views = (select(func.coalesce(func.sum(ArticleDailyViews.views), 0))
             .where(ArticleDailyViews.article_id == Article.id, ArticleDailyViews.day >= since.date())
             .scalar_subquery())
    helpful = (select(func.count(ArticleFeedback.id))
               .where(ArticleFeedback.article_id == Article.id, ArticleFeedback.helpful.is_(True),
                      ArticleFeedback.created_at >= since).scalar_subquery())
    return views + int(common.setting("KB_HELPFUL_WEIGHT")) * helpful


def refresh_popularity(session: Session, article_ids, quiet: bool = False) -> None:
    """Recompute the popularity of ``article_ids`` from the last 30 days. ``quiet``: after
    views only, which do not move the page cache's version (see ``_QUIET``)."""
    ids = sorted(set(article_ids))
    since = utcnow() - timedelta(days=WINDOW_DAYS)
    for start in range(0, len(ids), 500):
        session.execute(update(Article).where(Article.id.in_(ids[start:start + 500]))
                        .values(popularity=_popularity(since)),
                        execution_options=_QUIET if quiet else {"synchronize_session": False})


def refresh_all_popularity(session: Session) -> int:
    """The daily sweep: every article that was popular or was seen or liked in the window."""
    since = utcnow() - timedelta(days=WINDOW_DAYS)
    recent = select(ArticleDailyViews.article_id).where(ArticleDailyViews.day >= since.date())
    liked = select(ArticleFeedback.article_id).where(ArticleFeedback.created_at >= since)
    ids = list(session.scalars(select(Article.id).where(or_(
        Article.popularity > 0, Article.id.in_(recent), and_(Article.id.in_(liked))))))
    refresh_popularity(session, ids)
    return len(ids)
