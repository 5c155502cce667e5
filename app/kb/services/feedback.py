"""What readers and staff tell an article: "was this helpful?", "flag it", and reuse links
("answered by article X": KCS's reuse is review)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import signals
from app.accounts.models import User
from app.db import utcnow
from app.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from app.forum import access as forum_access
from app.forum.models import Question
from app.kb import access
from app.kb.models import FLAG_REASONS, Article, ArticleFeedback, ArticleFlag, ReuseLink
from app.kb.services import common, stats, workflow

COMMENT_MAX = 1000


class TooManyVotes(DomainError):
    status = 429
    title = _l("Too Many Requests")


def _count(session: Session, article: Article, helpful: bool, delta: int) -> None:
    """Atomic counter update: concurrent votes never lose one."""
    column = "helpful_count" if helpful else "unhelpful_count"
    session.execute(update(Article).where(Article.id == article.id)
                    .values({column: getattr(Article, column) + delta}),
                    execution_options={"synchronize_session": False})
    session.expire(article, [column])


def record_feedback(session: Session, article: Article, *, helpful: bool | None, comment: str = "",
                    by: User | None, visitor_key: str | None = None,
                    address_key: str | None = None) -> tuple[ArticleFeedback, bool]:
    """Record a reader's vote: one per user per article (a new vote replaces theirs), or one
    per anonymous visitor (``visitor_key``) per article per day. Sending the same vote again
    changes nothing: the unique keys lead a replayed request to its own row. Returns
    (the row, whether it was created). Sends ``article_feedback`` when a vote is cast or
    changes its value. A "No" with a comment, or the KB_UNHELPFUL_VOTES-th "No" since the last
    review, sends a published article to its owner's queue (needs_review: unhelpful)."""
    by = access.real(by)
    common.require_readable(article, by)
    if helpful is None:
        raise Invalid(errors={"helpful": _l("Say whether the article helped: yes or no.")})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid(errors={"comment": _l("At most %(n)d characters.", n=COMMENT_MAX)})
    today = utcnow().date()
    if by is not None:
        row = session.scalar(select(ArticleFeedback).where(ArticleFeedback.article_id == article.id,
                                                           ArticleFeedback.user_id == by.id))
    else:
        if not visitor_key:
            raise Invalid(errors={"helpful": _l("Your browser must accept cookies to vote.")})
        row = session.scalar(select(ArticleFeedback).where(
            ArticleFeedback.article_id == article.id, ArticleFeedback.visitor_key == visitor_key,
            ArticleFeedback.day == today))
        if row is None and address_key and session.scalar(select(func.count(ArticleFeedback.id)).where(
                ArticleFeedback.article_id == article.id, ArticleFeedback.address_key == address_key,
                ArticleFeedback.day == today)) >= int(common.setting("KB_ANON_VOTES_PER_ADDRESS")):
            raise TooManyVotes(_l("Too many votes from your network today. Please log in to vote."))
    version = common.version(session, article.published_version_id)
    created = row is None
    if created:
        row = ArticleFeedback(article_id=article.id, user_id=by.id if by else None, helpful=helpful,
                              visitor_key=None if by else visitor_key, address_key=None if by else address_key,
                              day=today, comment=comment, version_number=version.number if version else None)
        session.add(row)
        session.flush()
        _count(session, article, helpful, +1)
    elif row.helpful == helpful and row.comment == comment:
        return row, False          # a replay, or the same vote again: nothing to do
    else:
        if row.helpful != helpful:
            _count(session, article, row.helpful, -1)
            _count(session, article, helpful, +1)
        value_changed = row.helpful != helpful
        row.helpful, row.comment, row.updated_at = helpful, comment, utcnow()
        row.version_number = version.number if version else row.version_number
        session.flush()
        if not value_changed:
            _after_no(session, article, row, by)
            return row, False
    signals.article_feedback.send(article, by=by, helpful=helpful, credited=common.credited_user_ids(session, article),
                                  question_id=common.source_question_id(session, article),
                                  feedback_id=row.id)
    _after_no(session, article, row, by)
    stats.refresh_popularity(session, [article.id])
    common.changed(article, by)
    return row, created


def _after_no(session: Session, article: Article, row: ArticleFeedback, by: User | None) -> None:
    if row.helpful:
        return
    since = article.reviewed_at or article.created_at
    noes = session.scalar(select(func.count(ArticleFeedback.id)).where(
        ArticleFeedback.article_id == article.id, ArticleFeedback.helpful.is_(False),
        func.coalesce(ArticleFeedback.updated_at, ArticleFeedback.created_at) >= since))
    if row.comment or noes >= int(common.setting("KB_UNHELPFUL_VOTES")):
        workflow.mark_needs_review(session, article, "unhelpful", by=by)


# --- flag it ------------------------------------------------------------------------------------

def flag_article(session: Session, article: Article, *, reason: str | None, comment: str, by: User) -> ArticleFlag:
    """A member of staff flags what readers see (outdated, incorrect, unclear, duplicate) with a
    comment. The flag waits in the owner's queue; a published article moves to needs_review and
    its owners are told. Sends ``article_flagged``. One open flag per person and reason."""
    by = common.require_user(by)
    common.require_readable(article, by)
    if not access.can_flag(article, by):
        raise Forbidden(_l("Only staff can flag articles."))
    errors = {}
    if reason not in FLAG_REASONS:
        errors["reason"] = _l("Use one of: %(choices)s.", choices=", ".join(FLAG_REASONS))
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = _l("Say what is wrong, so the owner can fix it.")
    elif len(comment) > COMMENT_MAX:
        errors["comment"] = _l("At most %(n)d characters.", n=COMMENT_MAX)
    if errors:
        raise Invalid(errors=errors)
    if session.scalar(select(ArticleFlag.id).where(ArticleFlag.article_id == article.id, ArticleFlag.by_id == by.id,
                                                   ArticleFlag.reason == reason, ArticleFlag.resolved_at.is_(None))):
        raise Conflict(_l("You already flagged this article for that reason; the owner has it in their queue."))
    flag = ArticleFlag(article_id=article.id, reason=reason, comment=comment, by_id=by.id)
    session.add(flag)
    session.flush()
    signals.article_flagged.send(article, by=by, reason=reason)
    workflow.mark_needs_review(session, article, "flagged", by=by, note=reason, notify=False)
    workflow.notify_owners(session, article, "article_flagged", by=by, payload={"reason": reason})
    return flag


def resolve_flag(session: Session, flag: ArticleFlag | None, *, by: User, note: str = "") -> ArticleFlag:
    """Close a flag (fixed, or not a problem), by an owner or a curator."""
    by = common.require_user(by)
    if flag is None:
        raise NotFound(_l("No such flag."))
    article = common.require_visible(session.get(Article, flag.article_id), by)
    if not access.can_see_health(article, by):
        raise Forbidden(_l("Only the article's owner or a curator can do this."))
    if flag.resolved_at is not None:
        raise Conflict(_l("This flag is already resolved."))
    flag.resolved_at, flag.resolved_by_id, flag.resolution = utcnow(), by.id, (note or "").strip()[:500]
    return flag


# --- reuse -----------------------------------------------------------------------------------------

def _change_reuse(session: Session, article: Article, delta: int) -> None:
    session.execute(update(Article).where(Article.id == article.id)
                    .values(reuse_count=Article.reuse_count + delta), execution_options={"synchronize_session": False})
    session.expire(article, ["reuse_count"])


def link_article(session: Session, question: Question | None, article: Article | None, *, by: User) -> ReuseLink:
    """Staff answer ``question`` with an existing article instead of retyping it: a reuse,
    counted on the article (it ranks higher in search), shown on the question to those who
    may read the article. Sends ``article_reused``. Linking twice is a Conflict."""
    by = common.require_user(by)
    if question is None or question.is_deleted or not forum_access.can_view(question, by):
        raise NotFound(_l("No such question."))
    if not access.is_staff(by):
        raise Forbidden(_l("Only staff can answer with an article."))
    if article is None or not access.can_read(article, by):
        raise Invalid(errors={"article": _l("No such article.")})
    if session.scalar(select(ReuseLink.id).where(ReuseLink.article_id == article.id,
                                                 ReuseLink.question_id == question.id)):
        raise Conflict(_l("This article is already linked to the question."))
    link = ReuseLink(article_id=article.id, question_id=question.id, by_id=by.id)
    session.add(link)
    session.flush()
    _change_reuse(session, article, +1)
    signals.article_reused.send(article, by=by, question_id=question.id)
    common.changed(article, by)
    return link


def unlink_article(session: Session, link: ReuseLink | None, *, by: User) -> None:
    """Remove a reuse link (its author, or a moderator): the count goes down again."""
    by = common.require_user(by)
    question = session.get(Question, link.question_id) if link else None
    if link is None or question is None or not forum_access.can_view(question, by):
        raise NotFound(_l("No such link."))
    if not (link.by_id == by.id or access.is_curator(by)):
        raise Forbidden(_l("Only the person who linked it or a moderator can remove it."))
    article = session.get(Article, link.article_id)
    session.delete(link)
    session.flush()
    _change_reuse(session, article, -1)
    common.changed(article, by)
