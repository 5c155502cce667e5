"""Read side for the people who look after articles: version history and diffs, the work
queue (drafts, reviews, articles needing review, open flags, each with its reason) and the
governance log."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, desc, false, func, or_, select, true
from sqlalchemy.orm import Session

from app.forum.diffs import Chunk, diff_text, diff_words, has_changes
from app.kb import access
from app.kb.models import (SECTIONS, Article, ArticleFeedback, ArticleFlag, ArticleSource, ArticleTransition,
                           ArticleVersion, Status)
from app.kb.services import common
from app.pagination import Page

QUEUE_STATUSES = (Status.needs_review.value, Status.review.value, Status.draft.value)
QUEUE_FILTERS = ("all", "needs_review", "review", "draft", "flagged")


# --- versions ---------------------------------------------------------------------------------------

@dataclass
class VersionRow:
    version: ArticleVersion
    sources: list[int] = field(default_factory=list)   # answer ids this version took in
    is_published: bool = False                           # what readers see now


def visible_versions(session: Session, article: Article, viewer) -> list[VersionRow]:
    """Newest first. Editors see every version; readers only those that were published (a
    draft that was never published stays private to the people working on it)."""
    stmt = select(ArticleVersion).where(ArticleVersion.article_id == article.id).order_by(desc(ArticleVersion.number))
    if not access.can_edit(article, viewer):
        stmt = stmt.where(ArticleVersion.published_at.is_not(None))
    rows = [VersionRow(v, is_published=v.id == article.published_version_id) for v in session.scalars(stmt)]
    by_number = {r.version.number: r for r in rows}
    for number, answer_id in session.execute(select(ArticleSource.version_number, ArticleSource.answer_id)
                                             .where(ArticleSource.article_id == article.id)):
        if number in by_number and answer_id:
            by_number[number].sources.append(answer_id)
    return rows


def visible_version(session: Session, article: Article, number: int, viewer) -> ArticleVersion:
    """Version ``number`` if ``viewer`` may read it (NotFound otherwise, same as a missing one)."""
    version = common.version_by_number(session, article, number)
    if version.published_at is None and not access.can_edit(article, viewer):
        from flask_babel import lazy_gettext as _l

        from app.errors import NotFound
        raise NotFound(_l("This article has no version %(n)s.", n=number))
    return version


@dataclass
class SectionDiff:
    name: str
    chunks: list[Chunk]
    changed: bool


@dataclass
class Diff:
    old: ArticleVersion
    new: ArticleVersion
    title: list[Chunk]
    sections: list[SectionDiff]

    @property
    def unchanged(self) -> bool:
        return not has_changes(self.title) and not any(s.changed for s in self.sections)


def diff(session: Session, article: Article, old_number: int, new_number: int, viewer) -> Diff:
    old = visible_version(session, article, old_number, viewer)
    new = visible_version(session, article, new_number, viewer)
    sections = []
    for name in SECTIONS:
        chunks = diff_text(old.section_md(name), new.section_md(name))
        sections.append(SectionDiff(name, chunks, has_changes(chunks)))
    return Diff(old, new, diff_words(old.title, new.title), sections)


def transitions(session: Session, article: Article, limit: int = 50) -> list[ArticleTransition]:
    return list(session.scalars(select(ArticleTransition).where(ArticleTransition.article_id == article.id)
                                .order_by(desc(ArticleTransition.id)).limit(limit)))


# --- the work queue -------------------------------------------------------------------------------

@dataclass
class QueueItem:
    article: Article
    version: ArticleVersion                 # the newest version (what needs the work)
    reasons: list[str]                      # codes: draft, review, fixed, expired, flagged, ...
    flags: list[ArticleFlag] = field(default_factory=list)
    last: ArticleTransition | None = None   # the latest move: who, when, why
    unhelpful_comments: int = 0


def _scope(viewer, mine: bool):
    """Whose queue: a curator's is every article; anyone's "mine" is what they own."""
    user = access.real(viewer)
    admin_teams = [m.team_id for m in user.memberships if m.is_team_admin]
    own = or_(Article.owner_user_id == user.id,
              Article.owner_team_id.in_(admin_teams) if admin_teams else false())
    if mine or not access.is_curator(user):
        return own
    return true()


def _open_flags():
    return select(ArticleFlag.article_id).where(ArticleFlag.resolved_at.is_(None))


def queue_condition(viewer, *, mine: bool = False, only: str = "all"):
    in_queue = or_(Article.status.in_(QUEUE_STATUSES), Article.id.in_(_open_flags()))
    if only in QUEUE_STATUSES:
        in_queue = Article.status == only
    elif only == "flagged":
        in_queue = Article.id.in_(_open_flags())
    return and_(in_queue, _scope(viewer, mine), access.audience_clause(viewer))


def queue_count(session: Session, viewer) -> int:
    """The header's number for a curator: everything in the queue."""
    return session.scalar(select(func.count(Article.id)).where(queue_condition(viewer))) or 0


def queue(session: Session, viewer, *, mine: bool = False, only: str = "all", page: int = 1,
          per_page: int = 30) -> Page[QueueItem]:
    """What needs work, most urgent first (needing review, then in review, then drafts; oldest
    first within each), each with its reasons."""
    urgency = case({Status.needs_review.value: 0, Status.review.value: 1, Status.draft.value: 2},
                   value=Article.status, else_=0)
    stmt = (select(Article, ArticleVersion).join(ArticleVersion, ArticleVersion.id == Article.current_version_id)
            .where(queue_condition(viewer, mine=mine, only=only))
            .order_by(urgency, func.coalesce(Article.updated_at, Article.created_at), Article.id))
    total = session.scalar(stmt.order_by(None).with_only_columns(func.count(), maintain_column_froms=True)) or 0
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    ids = [a.id for a, _ in rows]
    flags: dict[int, list[ArticleFlag]] = {}
    last: dict[int, ArticleTransition] = {}
    comments: dict[int, int] = {}
    if ids:
        for flag in session.scalars(select(ArticleFlag).where(ArticleFlag.article_id.in_(ids),
                                                              ArticleFlag.resolved_at.is_(None)).order_by(ArticleFlag.id)):
            flags.setdefault(flag.article_id, []).append(flag)
        newest = (select(func.max(ArticleTransition.id)).where(ArticleTransition.article_id.in_(ids))
                  .group_by(ArticleTransition.article_id))
        for move in session.scalars(select(ArticleTransition).where(ArticleTransition.id.in_(newest))):
            last[move.article_id] = move
        comments = dict(session.execute(
            select(ArticleFeedback.article_id, func.count(ArticleFeedback.id))
            .join(Article, Article.id == ArticleFeedback.article_id)
            .where(ArticleFeedback.article_id.in_(ids), ArticleFeedback.helpful.is_(False),
                   ArticleFeedback.comment != "",
                   ArticleFeedback.created_at >= func.coalesce(Article.reviewed_at, Article.created_at))
            .group_by(ArticleFeedback.article_id)).all())
    items = [QueueItem(a, v, _reasons(a, flags.get(a.id, [])), flags.get(a.id, []), last.get(a.id),
                       comments.get(a.id, 0)) for a, v in rows]
    return Page(items=items, total=total, page=page, per_page=per_page)


def _reasons(article: Article, flags: list[ArticleFlag]) -> list[str]:
    out = []
    if article.status == Status.needs_review.value:
        out.append(article.review_reason or "manual")
    elif article.status == Status.review.value:
        out.append("fixed" if article.published_version_id else "review")
        if article.review_reason:  # it needed review before the fix: say why
            out.append(article.review_reason)
    elif article.status == Status.draft.value:
        out.append("draft")
    if flags and "flagged" not in out:
        out.append("flagged")
    return out
