"""Writing articles: a new article, every save (a new version), restoring an old version as a
new one, and the settings around the text (categories, tags, audience, owner, review date).

"Fix it" (KCS): anyone who may edit saves a new version. On an article readers already see,
the fix is published at once when its editor may publish, and otherwise waits in review while
readers keep the published version. Everything is checked before anything is written: a
rejected save leaves no row behind.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import Team, User
from app.db import utcnow
from app.errors import Forbidden, Invalid
from app.forum.models import Question, Tag
from app.forum.services.common import resolve_tags
from app.kb import access
from app.kb.models import SECTIONS, AUDIENCES, Article, ArticleSource, ArticleTag, Category, Status
from app.kb.services import common, workflow
from app.kb.services.categories import clean_article_categories, recount_for_article, set_article_categories
from app.markup import is_valid_tag, normalize_tag

ACTIONS = ("save", "review", "publish")
_UNSET = object()


@dataclass
class Changes:
    """What a save changes; a field left None (or, for the owner, unset) stays as it is."""
    title: str | None = None
    sections: dict[str, str | None] = field(default_factory=dict)   # issue, environment, resolution, cause
    note: str = ""
    categories: list[int] | None = None
    primary_category: int | None = None
    tags: list[str] | str | None = None
    audience: str | None = None
    team_id: int | None = None
    owner_user_id: int | None | object = _UNSET
    owner_team_id: int | None | object = _UNSET
    review_by: date | None = None

    @property
    def owner_given(self) -> bool:
        return self.owner_user_id is not _UNSET or self.owner_team_id is not _UNSET


def source_scope(session: Session, article: Article) -> tuple[str | None, set[int]]:
    """The narrowest visibility of the article's source questions and their teams (None: no
    source, e.g. written from scratch)."""
    rows = session.execute(select(Question.visibility, Question.team_id)
                           .join(ArticleSource, ArticleSource.question_id == Question.id)
                           .where(ArticleSource.article_id == article.id)).all()
    if not rows:
        return None, set()
    return access.narrowest(v for v, _ in rows), {t for v, t in rows if v == "team" and t is not None}


def _clean_tags(raw, errors: dict) -> list[str]:
    if isinstance(raw, str):
        raw = raw.replace(",", " ").replace("，", " ").split()
    names = list(dict.fromkeys(n for n in (normalize_tag(str(t)) for t in raw or []) if n))
    from flask import current_app

    if len(names) > current_app.config["MAX_TAGS"]:
        errors["tags"] = _l("Use at most %(n)d tags.", n=current_app.config["MAX_TAGS"])
    elif bad := [n for n in names if not is_valid_tag(n)]:
        errors["tags"] = _l("Not a valid tag: %(t)s", t=bad[0][:40])
    return names


def _clean_scope(session: Session, article: Article | None, changes: Changes, by: User, errors: dict) -> None:
    """Audience and team: valid, the team one of the editor's own (curators: any), and never
    wider than the sources' unless a curator widens it deliberately."""
    if changes.audience is None:
        return
    if changes.audience not in AUDIENCES:
        errors["audience"] = _l("Use one of: %(choices)s.", choices=", ".join(AUDIENCES))
        return
    if changes.audience == "team":
        if changes.team_id is None or session.get(Team, changes.team_id) is None:
            errors["team"] = _l("Choose the team that may read it.")
        elif not access.may_set_team(by, changes.team_id):
            errors["team"] = _l("You can only write for your own teams.")
    else:
        changes.team_id = None
    if article is not None and not access.is_curator(by):
        narrow, teams = source_scope(session, article)
        if narrow is not None and access.wider(changes.audience, narrow):
            errors["audience"] = _l("Only a curator can show an article to more people than its source "
                                    "questions reached.")
        elif narrow == "team" and changes.team_id not in teams:
            errors["team"] = _l("Only a curator can give an article to another team than its source's.")


def _clean_owner(session: Session, changes: Changes, errors: dict) -> None:
    if not changes.owner_given:
        return
    user_id = None if changes.owner_user_id is _UNSET else changes.owner_user_id
    team_id = None if changes.owner_team_id is _UNSET else changes.owner_team_id
    if user_id is not None and team_id is not None:
        errors["owner"] = _l("An article has one owner: a person or a team.")
    elif user_id is not None and (session.get(User, user_id) is None or not session.get(User, user_id).is_staff):
        errors["owner"] = _l("The owner must be a member of staff.")
    elif team_id is not None and session.get(Team, team_id) is None:
        errors["owner"] = _l("Unknown team.")
    changes.owner_user_id, changes.owner_team_id = user_id, team_id


def _check(session: Session, article: Article | None, changes: Changes, by: User, action: str,
           text_base) -> tuple[str | None, dict | None, list, int | None, list[str] | None]:
    """Every rule, before anything is written; raises Invalid or Forbidden."""
    errors: dict = {}
    if action not in ACTIONS:
        errors["action"] = _l("Use one of: %(choices)s.", choices=", ".join(ACTIONS))
    title = sections = None
    if changes.title is not None or changes.sections or text_base is None:
        title = common.clean_title(changes.title if changes.title is not None else text_base.title, errors)
        merged = {n: (changes.sections.get(n) if changes.sections.get(n) is not None
                      else (text_base.section_md(n) if text_base is not None else "")) for n in SECTIONS}
        sections = common.clean_sections(merged, errors)
    categories, primary = [], None
    if changes.categories is not None:
        categories, primary = clean_article_categories(session, changes.categories, changes.primary_category,
                                                       errors)
    tags = _clean_tags(changes.tags, errors) if changes.tags is not None else None
    _clean_scope(session, article, changes, by, errors)
    _clean_owner(session, changes, errors)
    if changes.review_by is not None and changes.review_by < utcnow().date():
        errors["review_by"] = _l("Choose a date from today on.")
    publisher = article is None or access.can_publish(article, by)
    if errors:
        raise Invalid(errors=errors)
    if not publisher and (changes.owner_given or changes.review_by is not None or action == "publish"):
        raise Forbidden(_l("Only the article's owner or a curator can publish it, change its owner or its "
                           "review date."), errors={"action": _l("You may save it for review.")})
    return title, sections, categories, primary, tags


def _apply_settings(session: Session, article: Article, changes: Changes, by: User, categories, primary,
                    tags) -> list[str]:
    """Write the checked settings; returns what changed, for the log."""
    done = []
    if changes.categories is not None and set_article_categories(session, article, categories, primary):
        done.append("categories")
    if tags is not None:
        objs = resolve_tags(session, tags, by) if tags else []
        current = list(session.scalars(select(Tag.name).join(ArticleTag, ArticleTag.tag_id == Tag.id)
                                       .where(ArticleTag.article_id == article.id).order_by(ArticleTag.position)))
        if current != tags:
            session.execute(delete(ArticleTag).where(ArticleTag.article_id == article.id))
            session.add_all(ArticleTag(article_id=article.id, tag_id=t.id, position=i) for i, t in enumerate(objs))
            done.append("tags")
    if changes.audience is not None and (changes.audience, changes.team_id) != (article.audience, article.team_id):
        done.append(f"audience: {article.audience} → {changes.audience}")
        article.audience, article.team_id = changes.audience, changes.team_id
    if changes.owner_given and (changes.owner_user_id, changes.owner_team_id) != (article.owner_user_id,
                                                                                  article.owner_team_id):
        article.owner_user_id, article.owner_team_id = changes.owner_user_id, changes.owner_team_id
        done.append("owner")
    if changes.review_by is not None and changes.review_by != article.review_by:
        article.review_by = changes.review_by
        done.append("review date")
    session.flush()
    return done


def create_article(session: Session, changes: Changes, *, by: User, action: str = "save") -> Article:
    """An article written from scratch (staff who may edit). It starts with the audience,
    owner team and review period of its primary category; its creator owns it otherwise."""
    by = common.require_user(by)
    if not access.is_staff(by) or not (access.is_curator(by) or access.may_edit_others(by)):
        raise Forbidden(_l("You cannot write articles yet."))
    if changes.audience is None:
        first = changes.primary_category or next(iter(changes.categories or []), None)
        category = session.get(Category, first) if first is not None else None
        changes.audience = category.default_audience if category else "internal"
        changes.team_id = category.owner_team_id if category and category.default_audience == "team" else None
    title, sections, categories, primary, tags = _check(session, None, changes, by, "save", None)
    article = Article(status=Status.draft.value, audience=changes.audience, team_id=changes.team_id,
                      created_by_id=by.id, owner_user_id=by.id)
    session.add(article)
    session.flush()
    common.log_transition(session, article, Status.draft.value, by=by, reason="created", note=changes.note,
                          version_number=1, from_status=None)
    common.add_version(session, article, title=title, sections=sections, by=by, note=changes.note)
    _apply_settings(session, article, changes, by, categories, primary, tags)
    primary_category = session.get(Category, article.primary_category_id) if article.primary_category_id else None
    if not changes.owner_given and primary_category is not None and primary_category.owner_team_id is not None:
        article.owner_user_id, article.owner_team_id = None, primary_category.owner_team_id
    return _finish(session, article, by, action, new_text=True)


def save_article(session: Session, article: Article, changes: Changes, *, by: User, action: str = "save") -> Article:
    """Save: a new version when the text changed, the settings, then ``action``: ``save``
    (on a published article: publish if ``by`` may, else send to review), ``review`` or
    ``publish``. Invalid/Forbidden before any write."""
    by = common.require_user(by)
    common.require_visible(article, by)
    common.require_editor(article, by)
    current = common.head(session, article)
    title, sections, categories, primary, tags = _check(session, article, changes, by, action, current)
    new_text = sections is not None and not common.same_text(current, title, sections)
    if new_text:
        common.add_version(session, article, title=title, sections=sections, by=by, note=changes.note)
    done = _apply_settings(session, article, changes, by, categories, primary, tags)
    if done and any(d.startswith(("audience", "owner")) for d in done):
        common.log_transition(session, article, article.status, by=by, reason="settings",
                              note="; ".join(done), version_number=common.head(session, article).number)
    if done:
        recount_for_article(session, article)
        common.changed(article, by)
    return _finish(session, article, by, action, new_text=new_text)


def restore_version(session: Session, article: Article, number: int, *, by: User, note: str = "",
                    action: str = "save") -> Article:
    """Save version ``number`` of this article again as its newest version (history is never
    rewritten). A number of none of its versions is NotFound."""
    by = common.require_user(by)
    common.require_visible(article, by)
    common.require_editor(article, by)
    old = common.version_by_number(session, article, number)
    if action == "publish" and not access.can_publish(article, by):
        raise Forbidden(_l("Only the article's owner or a curator can publish it."))
    sections = {n: old.section_md(n) for n in SECTIONS}
    common.add_version(session, article, title=old.title, sections=sections, by=by,
                       note=note or f"restored v{number}", restored_from=number)
    return _finish(session, article, by, action, new_text=True)


def _finish(session: Session, article: Article, by: User, action: str, *, new_text: bool) -> Article:
    """The workflow step after a save (see save_article)."""
    status = article.status
    number = common.head(session, article).number
    if action == "publish" or (action == "save" and new_text and status in ("published", "needs_review")
                               and access.can_publish(article, by)):
        return workflow.publish(session, article, by=by)
    if new_text and status in ("published", "needs_review") or (action == "review" and status == "draft"):
        common.log_transition(session, article, Status.review.value, by=by,
                              reason="fixed" if status != "draft" else "review", version_number=number)
        article.status = Status.review.value
    elif action == "review" and status != "review":
        raise Invalid(_l("Only a draft, or a new version of a published article, goes to review."),
                      errors={"action": _l("Not from the current status.")})
    return article
