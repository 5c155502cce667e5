"""What the knowledge-base services share: settings, loading with access checks, cleaning
the structured sections, writing versions and the transition log, and telling search.

Services take the acting user (``by``), never read the request, never commit, and raise
DomainErrors (Invalid with every failing field, Forbidden, NotFound, Conflict).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.errors import Forbidden, NotFound
from app.kb import access, events
from app.kb.models import SECTIONS, Article, ArticleCredit, ArticleSource, ArticleTransition, ArticleVersion, Category
from app.markup import render_markdown, slugify

# Settings of the knowledge base and their defaults (app.kb.connect puts them in the app's
# config unless the deployment set them).
DEFAULTS = {
    "KB_PROMOTE_ROLES": ("moderator", "admin"),  # below moderator: also the promote_article privilege
    "KB_REVIEW_DAYS": 180,               # review period of articles outside any category
    "KB_UNHELPFUL_VOTES": 3,             # "No" votes since the last review that send it to the queue
    "KB_ANON_VOTES_PER_ADDRESS": 5,      # anonymous votes per article per address per day
    "KB_HELPFUL_WEIGHT": 5,              # a helpful vote counts as this many views in "popular"
    "KB_MAX_SECTION_LENGTH": 30_000,     # characters per section (the forum's body limit)
    "KB_MAX_CATEGORIES": 10,             # categories per article
}


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def require_user(user) -> User:
    user = access.real(user)
    if user is None:
        raise Forbidden(_l("Please log in first."))
    return user


# --- loading ------------------------------------------------------------------------------------

def get_article(session: Session, article_id: int | None) -> Article:
    article = session.get(Article, article_id) if article_id else None
    if article is None:
        raise NotFound(_l("No such article."))
    return article


def require_readable(article: Article | None, user) -> Article:
    """The article, or NotFound when ``user`` may not read it (existence must not leak)."""
    if not access.can_read(article, user):
        raise NotFound(_l("No such article."))
    return article


def require_visible(article: Article | None, user) -> Article:
    """Readable, or editable (drafts included); NotFound otherwise."""
    if not access.can_see(article, user):
        raise NotFound(_l("No such article."))
    return article


def require_editor(article: Article, user) -> User:
    """The editor, or Forbidden (after require_visible: someone who may not even see it got 404)."""
    user = require_user(user)
    if not access.can_edit(article, user):
        raise Forbidden(_l("You cannot edit this article."))
    return user


def require_curator(user) -> User:
    user = require_user(user)
    if not access.is_curator(user):
        raise Forbidden(_l("Only curators can do this."))
    return user


def version(session: Session, version_id: int | None) -> ArticleVersion | None:
    return session.get(ArticleVersion, version_id) if version_id else None


def head(session: Session, article: Article) -> ArticleVersion:
    """The newest version (what editors work on)."""
    found = version(session, article.current_version_id)
    if found is None:
        raise NotFound(_l("This article has no version yet."))
    return found


def version_by_number(session: Session, article: Article, number: int) -> ArticleVersion:
    """Version ``number`` of this article; NotFound for a number of none of its versions (a
    version id or number of another article never resolves here)."""
    found = session.scalar(select(ArticleVersion).where(ArticleVersion.article_id == article.id,
                                                        ArticleVersion.number == number))
    if found is None:
        raise NotFound(_l("This article has no version %(n)s.", n=number))
    return found


# --- the text -------------------------------------------------------------------------------------

def clean_title(title: str | None, errors: dict) -> str:
    title = " ".join((title or "").split())
    low, high = current_app.config["MIN_TITLE_LENGTH"], current_app.config["MAX_TITLE_LENGTH"]
    if len(title) < low:
        errors["title"] = _l("The title needs at least %(n)d characters.", n=low)
    elif len(title) > high:
        errors["title"] = _l("The title may have at most %(n)d characters.", n=high)
    return title


REQUIRED_SECTIONS = {
    "issue": _l("Describe the issue, in the words of the person who had it."),
    "resolution": _l("Write the resolution: what solves the issue."),
}


def clean_sections(values: dict, errors: dict) -> dict[str, str]:
    """The four sections' Markdown, stripped; issue and resolution are required, each has the
    same size limit (an oversized one is refused, never cut)."""
    most = int(setting("KB_MAX_SECTION_LENGTH"))
    out = {}
    for name in SECTIONS:
        text = (values.get(name) or "").strip()
        if name in REQUIRED_SECTIONS and not text:
            errors[name] = REQUIRED_SECTIONS[name]
        elif len(text) > most:
            errors[name] = _l("At most %(n)d characters (this has %(m)d).", n=most, m=len(text))
        out[name] = text
    return out


def next_number(session: Session, article: Article) -> int:
    return (session.scalar(select(func.max(ArticleVersion.number))
                           .where(ArticleVersion.article_id == article.id)) or 0) + 1


def add_version(session: Session, article: Article, *, title: str, sections: dict[str, str], by: User | None,
                note: str = "", restored_from: int | None = None, number: int | None = None) -> ArticleVersion:
    """Save the text as the article's next version (now its head) and credit the editor;
    ``number``: known already (1 for a new article), else the next one."""
    row = ArticleVersion(article_id=article.id, number=number or next_number(session, article), title=title,
                         editor_id=by.id if by else None, note=(note or "").strip()[:300],
                         restored_from=restored_from)
    for name in SECTIONS:
        source = sections.get(name) or ""
        setattr(row, f"{name}_md", source)
        setattr(row, f"{name}_html", render_markdown(source) if source else "")
    session.add(row)
    session.flush()
    article.current_version_id = row.id
    article.updated_at = row.created_at
    if article.published_version_id is None:  # its address follows the title until it is published
        article.slug = slugify(title)
    if by is not None:
        credit(session, article, by.id, "editor")
    return row


def same_text(current: ArticleVersion, title: str, sections: dict[str, str]) -> bool:
    return current.title == title and all(current.section_md(n) == sections.get(n, "") for n in SECTIONS)


def credit(session: Session, article: Article, user_id: int | None, role: str, name: str = "") -> None:
    """Credit a person once per role (imported authors without an account by name)."""
    credit_many(session, article, [(user_id, role, name)])


def credit_many(session: Session, article: Article, people) -> None:
    """Credit each ``(user_id, role, name)`` not credited yet, in order, with one read of the
    article's credits (a promotion credits several people at once)."""
    rows = session.execute(select(ArticleCredit.user_id, ArticleCredit.role, ArticleCredit.name)
                           .where(ArticleCredit.article_id == article.id)).all()
    have = {(u, r, n if u is None else "") for u, r, n in rows}
    position = len(rows)
    for user_id, role, name in people:
        key = (user_id, role, (name or "")[:100] if user_id is None else "")
        if (user_id is None and not name) or key in have:
            continue
        have.add(key)
        session.add(ArticleCredit(article_id=article.id, user_id=user_id, name=key[2], role=role, position=position))
        position += 1


def source_question_id(session: Session, article: Article) -> int | None:
    """The first source question still on the site: points entries earned on the article name it,
    so a reader who may not see that question does not see (or count) them either. An article
    never has a wider audience than its source, so this is never more private than the article."""
    return session.scalar(select(ArticleSource.question_id)
                          .where(ArticleSource.article_id == article.id, ArticleSource.question_id.is_not(None))
                          .order_by(ArticleSource.id).limit(1))


def credited_user_ids(session: Session, article: Article) -> list[int]:
    """The article's credited people who have an account (answerers, askers, editors)."""
    return list(dict.fromkeys(session.scalars(
        select(ArticleCredit.user_id).where(ArticleCredit.article_id == article.id,
                                            ArticleCredit.user_id.is_not(None))
        .order_by(ArticleCredit.position, ArticleCredit.id))))


_CURRENT = object()


def log_transition(session: Session, article: Article, to: str, *, by: User | None, reason: str,
                   note: str = "", version_number: int | None = None, from_status=_CURRENT) -> ArticleTransition:
    """Record a change of status (or, with ``to`` equal to the status, of its settings);
    ``from_status`` defaults to the article's status now (None for a new article)."""
    row = ArticleTransition(article_id=article.id,
                            from_status=article.status if from_status is _CURRENT else from_status,
                            to_status=to, reason=reason[:20], note=(note or "").strip()[:500],
                            version_number=version_number, by_id=by.id if by else None)
    session.add(row)
    return row


def review_days(session: Session, article: Article) -> int:
    """The review period: the primary category's, else the setting."""
    category = session.get(Category, article.primary_category_id) if article.primary_category_id else None
    return category.review_days if category is not None else int(setting("KB_REVIEW_DAYS"))


def next_review_date(session: Session, article: Article):
    return (utcnow() + timedelta(days=review_days(session, article))).date()


def changed(article: Article, by: User | None = None) -> None:
    """Tell the search index that this article's document may have changed (after commit)."""
    events.article_changed.send(article, by=by)
