"""An article's life (KCS confidence): draft -> review -> published -> needs_review -> archived.

Each allowed move is in :data:`RULES` with the capacity it needs: an *editor* (anyone who may
fix the article, app.kb.access.can_edit) or a *publisher* (curators and owners). Any other
move is a 409 and changes nothing; a move the person may not make is a 403. Every move is
logged with who, when and why (``ArticleTransition``). Moves made by the system (review date
passed, flagged, source changed, unhelpful) use :func:`mark_needs_review` with ``by=None``.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import signals
from app.accounts.models import TeamMembership, User
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.kb import access
from app.kb.models import STATUSES, Article, ArticleCategory, ArticleFlag, ArticleSource, Status
from app.kb.services import common
from app.kb.services.categories import recount_for_article
from app.markup import slugify

EDITOR, PUBLISHER = "editor", "publisher"
D, R, P, N, A = (s.value for s in (Status.draft, Status.review, Status.published, Status.needs_review,
                                   Status.archived))
RULES: dict[tuple[str, str], str] = {
    (D, R): EDITOR, (D, P): PUBLISHER, (D, A): PUBLISHER,
    (R, D): EDITOR, (R, P): PUBLISHER, (R, A): PUBLISHER,
    (P, N): EDITOR, (P, A): PUBLISHER,
    (N, P): PUBLISHER, (N, A): PUBLISHER,
    # Out of the archive: back to work (it must be validated again before readers see it), or
    # straight back to readers by a publisher.
    (A, D): PUBLISHER, (A, P): PUBLISHER,
}
# Why an article needs review; the values of signals.article_needs_review's ``reason``
# (``manual``: someone with the edit privilege said so).
NEEDS_REVIEW_REASONS = ("expired", "flagged", "source_changed", "unhelpful", "manual")


def may(article: Article, user, to: str) -> bool:
    rule = RULES.get((article.status, to))
    if rule is None:
        return False
    return access.can_publish(article, user) if rule == PUBLISHER else access.can_edit(article, user)


def allowed_moves(article: Article, user) -> list[str]:
    """The statuses ``user`` may move the article to now (what the page offers)."""
    return [to for (frm, to) in RULES if frm == article.status and may(article, user, to)]


def transition(session: Session, article: Article, to: str | None, *, by: User, note: str = "") -> Article:
    """Move the article to ``to``. Invalid (field ``to``) for an unknown status, Conflict for a
    move that does not exist from here, Forbidden for one ``by`` may not make."""
    by = common.require_user(by)
    common.require_visible(article, by)
    if to not in STATUSES:
        raise Invalid(_l("Unknown status."), errors={"to": _l("Use one of: %(choices)s.", choices=", ".join(STATUSES))})
    if to == article.status:
        raise Conflict(_l("The article is already in this state."))
    rule = RULES.get((article.status, to))
    if rule is None:
        raise Conflict(_l("An article cannot go from “%(from)s” to “%(to)s”.", **{"from": article.status, "to": to}),
                       errors={"to": _l("Not allowed from the current status.")})
    if not may(article, by, to):
        raise Forbidden(_l("Only the article's owner or a curator can do this.") if rule == PUBLISHER
                        else _l("You cannot edit this article."))
    if to == P:
        return publish(session, article, by=by, note=note)
    if to == N:
        mark_needs_review(session, article, "manual", by=by, note=note)
        return article
    previous = article.status
    common.log_transition(session, article, to, by=by, reason="archived" if to == A else to, note=note,
                         version_number=common.head(session, article).number)
    article.status = to
    if to == A:
        article.review_reason = None
    elif previous == A:
        # Back to work: readers see it again only once it is validated (published) anew.
        article.published_version_id = None
    recount_for_article(session, article)
    common.changed(article, by)
    return article


def publish(session: Session, article: Article, *, by: User, note: str = "",
            review_by: date | None = None) -> Article:
    """Publish the head version: readers see it from now on. The article needs a category and
    an owner (the publisher when it has none); the review date restarts from the category's
    period. Open flags are resolved by the validation. Sends ``article_published``."""
    if not access.can_publish(article, by):
        raise Forbidden(_l("Only the article's owner or a curator can publish it."))
    if not session.scalar(select(ArticleCategory.category_id).where(ArticleCategory.article_id == article.id)
                          .limit(1)):
        raise Invalid(_l("Place the article in a category before publishing it."),
                      errors={"categories": _l("Choose at least one category.")})
    head = common.head(session, article)
    now = utcnow()
    first = article.first_published_at is None
    previous_version = article.published_version_id
    if article.owner_user_id is None and article.owner_team_id is None:
        article.owner_user_id = by.id
    common.log_transition(session, article, P, by=by, note=note, version_number=head.number,
                          reason="published" if previous_version != head.id else "revalidated")
    head.published_at = head.published_at or now
    article.status = P
    article.published_version_id = head.id
    article.slug = slugify(head.title)
    article.published_at = now
    article.first_published_at = article.first_published_at or now
    article.reviewed_at = now
    article.review_reason = None
    article.review_by = review_by or common.next_review_date(session, article)
    for flag in session.scalars(select(ArticleFlag).where(ArticleFlag.article_id == article.id,
                                                          ArticleFlag.resolved_at.is_(None))):
        flag.resolved_at, flag.resolved_by_id = now, by.id
        flag.resolution = f"published v{head.number}"
    session.flush()
    recount_for_article(session, article)
    fixer = head.editor_id if not first and previous_version != head.id else None
    signals.article_published.send(article, by=by, version=head.number, first=first,
                                   answer_authors=answer_authors(session, article), fixer_id=fixer,
                                   question_id=common.source_question_id(session, article))
    common.changed(article, by)
    return article


def answer_authors(session: Session, article: Article) -> list[int]:
    """Authors (with an account) of the answers the article was promoted from."""
    from app.forum.models import Answer

    return list(dict.fromkeys(session.scalars(
        select(Answer.author_id).join(ArticleSource, ArticleSource.answer_id == Answer.id)
        .where(ArticleSource.article_id == article.id, Answer.author_id.is_not(None))
        .order_by(ArticleSource.id))))


def mark_needs_review(session: Session, article: Article, reason: str, *, by: User | None = None,
                      note: str = "", notify: bool = True) -> bool:
    """Move a published article to needs_review for ``reason`` and tell its owners (unless
    ``notify`` is False or they did it themselves). Returns False, changing nothing, when the
    article is not published (a draft, already in review or needing review, archived): the
    queue already lists it, and the log keeps one entry per move."""
    if article.status != P:
        return False
    common.log_transition(session, article, N, by=by, reason=reason, note=note,
                          version_number=common.head(session, article).number)
    article.status = N
    article.review_reason = reason
    session.flush()
    signals.article_needs_review.send(article, by=by, reason=reason)
    if notify:
        notify_owners(session, article, "article_needs_review", by=by, payload={"reason": reason})
    return True


def owner_ids(session: Session, article: Article) -> list[int]:
    """Who is told about the article: its owner user, or the admins of its owner team."""
    if article.owner_user_id is not None:
        return [article.owner_user_id]
    if article.owner_team_id is None:
        return []
    return list(session.scalars(select(TeamMembership.user_id).where(
        TeamMembership.team_id == article.owner_team_id, TeamMembership.is_team_admin.is_(True))))


def notify_owners(session: Session, article: Article, kind: str, *, by: User | None, payload: dict) -> None:
    """A notification to each owner (never to the person who caused it). ``payload`` holds codes
    only: the reader's page renders them in their language and resolves the title at read time."""
    from app.notifications.services import notify

    for user_id in owner_ids(session, article):
        if by is None or user_id != by.id:
            notify(session, user_id, kind, subject=("article", article.id), actor_id=by.id if by else None,
                   payload=payload)
