"""The article page as a view model, loaded in a fixed number of queries (a test pins it).

Readers get the published version and nothing about newer work; editors may open any version
(``?version=N``) and see that a newer one waits. Sources show the question and answer only
when the viewer may see them (a team-only source stays hidden from a public article's
readers), and always the attribution of imported content.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import desc, select
from sqlalchemy.orm import Session, joinedload, lazyload

from app.accounts.models import User
from app.forum import access as forum_access
from app.forum.models import Answer, Question, Tag
from app.kb import access
from app.kb.models import (Article, ArticleCategory, ArticleCredit, ArticleFeedback, ArticleFlag, ArticleSource,
                           ArticleTag, ArticleVersion)
from app.kb.queries.reader import Catalog, catalog
from app.kb.services import common
from app.kb.services.workflow import allowed_moves

ROLE_ORDER = {"answerer": 0, "asker": 1, "editor": 2}


@dataclass
class SourceView:
    question_id: int | None
    question_title: str | None     # None: the viewer may not see the question (or it is gone)
    question_slug: str | None
    answer_id: int | None
    answerer: User | None
    answerer_name: str
    source_url: str | None         # imported: the original answer's address
    question_url: str | None       # imported: the original question's address
    license: str | None
    version_number: int


@dataclass
class Credit:
    role: str
    user: User | None
    name: str


@dataclass
class Health:
    """For owners and curators: how readers find it, and what staff flagged."""
    helpful: int
    unhelpful: int
    flags: list[ArticleFlag]
    comments: list[ArticleFeedback]

    @property
    def ratio(self) -> float | None:
        total = self.helpful + self.unhelpful
        return self.helpful / total if total else None


@dataclass
class ArticlePage:
    article: Article
    version: ArticleVersion                  # the version shown
    published: ArticleVersion | None
    head: ArticleVersion
    catalog: Catalog
    categories: list = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    sources: list[SourceView] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    my_vote: bool | None = None
    health: Health | None = None
    is_editor: bool = False
    can_publish: bool = False
    can_flag: bool = False
    moves: list[str] = field(default_factory=list)
    related_articles: list = field(default_factory=list)
    related_questions: list = field(default_factory=list)

    @property
    def crumbs(self):
        return self.catalog.crumbs(self.article.primary_category_id)

    @property
    def is_current(self) -> bool:
        """The version shown is what readers see."""
        return self.published is not None and self.version.id == self.published.id

    @property
    def newer_waiting(self) -> bool:
        return self.is_editor and self.head.id != (self.published.id if self.published else None)


def article_page(session: Session, article_id: int, viewer, *, number: int | None = None,
                 visitor_key: str | None = None) -> ArticlePage:
    """The page of an article ``viewer`` may see (NotFound otherwise). ``number``: a version to
    show (editors only; readers always get the published one)."""
    article = common.require_visible(session.get(Article, article_id, options=[
        joinedload(Article.owner_user).lazyload(User.memberships)]), viewer)
    is_editor = access.can_edit(article, viewer)
    versions = {v.id: v for v in session.scalars(select(ArticleVersion).options(lazyload(ArticleVersion.editor)).where(
        ArticleVersion.id.in_([i for i in (article.published_version_id, article.current_version_id) if i])))}
    published = versions.get(article.published_version_id)
    head = versions[article.current_version_id]
    shown = published or head  # readers only get here when there is a published version
    if is_editor and number is not None and number != shown.number:
        shown = head if number == head.number else common.version_by_number(session, article, number)
    page = ArticlePage(article=article, version=shown, published=published, head=head,
                       catalog=catalog(session, viewer), is_editor=is_editor,
                       can_publish=access.can_publish(article, viewer), can_flag=access.can_flag(article, viewer))
    ids = set(session.scalars(select(ArticleCategory.category_id).where(ArticleCategory.article_id == article.id)))
    page.categories = sorted((page.catalog.rows[i] for i in ids if i in page.catalog.rows),
                             key=lambda c: (c.id != article.primary_category_id, c.name.casefold()))
    page.tags = list(session.scalars(select(Tag).join(ArticleTag, ArticleTag.tag_id == Tag.id)
                                     .where(ArticleTag.article_id == article.id).order_by(ArticleTag.position)))
    page.sources = _sources(session, article, viewer)
    page.credits = _credits(session, article)
    page.my_vote = _my_vote(session, article, viewer, visitor_key)
    if access.can_see_health(article, viewer):
        page.health = _health(session, article)
    page.moves = allowed_moves(article, viewer) if access.real(viewer) else []
    return page


def _sources(session: Session, article: Article, viewer) -> list[SourceView]:
    rows = session.execute(
        select(ArticleSource, Question.id, Question.title, Question.slug, Question.visibility, Question.team_id,
               Question.author_id, Question.deleted_at, Answer.deleted_at, User)
        .outerjoin(Question, Question.id == ArticleSource.question_id)
        .outerjoin(Answer, Answer.id == ArticleSource.answer_id)
        .outerjoin(User, User.id == Answer.author_id)
        .where(ArticleSource.article_id == article.id).order_by(ArticleSource.id)
        .options(lazyload(User.memberships))).all()
    out = []
    for source, qid, title, slug, visibility, team_id, author_id, q_deleted, a_deleted, answerer in rows:
        shown = qid is not None and forum_access.can_view(SimpleNamespace(
            is_deleted=q_deleted is not None, visibility=visibility, team_id=team_id, author_id=author_id), viewer)
        out.append(SourceView(
            question_id=qid if shown else None, question_title=title if shown else None,
            question_slug=slug if shown else None,
            answer_id=source.answer_id if shown and a_deleted is None else None, answerer=answerer,
            answerer_name=answerer.display_name if answerer else (source.source_author or "—"),
            source_url=source.source_url, question_url=source.question_url, license=source.license,
            version_number=source.version_number))
    return out


def _credits(session: Session, article: Article) -> list[Credit]:
    rows = session.execute(select(ArticleCredit, User).outerjoin(User, User.id == ArticleCredit.user_id)
                           .where(ArticleCredit.article_id == article.id)
                           .order_by(ArticleCredit.position, ArticleCredit.id).options(lazyload(User.memberships))).all()
    credits = [Credit(c.role, u, u.display_name if u else c.name) for c, u in rows if u is not None or c.name]
    return sorted(credits, key=lambda c: ROLE_ORDER.get(c.role, 9))


def _my_vote(session: Session, article: Article, viewer, visitor_key: str | None) -> bool | None:
    user = access.real(viewer)
    if user is not None:
        stmt = select(ArticleFeedback.helpful).where(ArticleFeedback.article_id == article.id,
                                                     ArticleFeedback.user_id == user.id)
    elif visitor_key:
        from app.db import utcnow

        stmt = select(ArticleFeedback.helpful).where(ArticleFeedback.article_id == article.id,
                                                     ArticleFeedback.visitor_key == visitor_key,
                                                     ArticleFeedback.day == utcnow().date())
    else:
        return None
    return session.scalar(stmt)


def _health(session: Session, article: Article) -> Health:
    flags = list(session.scalars(select(ArticleFlag).where(ArticleFlag.article_id == article.id,
                                                           ArticleFlag.resolved_at.is_(None))
                                 .order_by(ArticleFlag.id)))
    comments = list(session.scalars(select(ArticleFeedback).where(
        ArticleFeedback.article_id == article.id, ArticleFeedback.comment != "")
        .order_by(desc(ArticleFeedback.id)).limit(10)))
    return Health(article.helpful_count, article.unhelpful_count, flags, comments)
