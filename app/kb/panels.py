"""What the knowledge base adds to other pages, through ``app.slots`` (the forum imports
nothing from here):

* under each answer (``question.answer``): "This answer became the article X", or the
  promote button for those who may promote it;
* beside the question (``question.aside``): the articles linked as its answer (reuse);
* under "Your answer" (``question.answer_form``): answer with an existing article (staff);
* the header (``header``): the curators' queue count;
* the user page (``user.sections``): articles crediting the person.

A question page costs one query for all three of its panels (``queries.thread``), none for a
question without articles beyond that; the header count is one query, for curators only.
Also the notifications' subject resolver for ``("article", id)``.
"""
from __future__ import annotations

from flask import g, render_template, url_for
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app import slots
from app.extensions import db
from app.kb import access
from app.kb.forms import ReuseForm
from app.kb.models import Article, ArticleVersion
from app.kb.queries import editor, thread
from app.kb.urls import article_url


def _stylesheet() -> Markup:
    """kb.css once per page: forum pages link app.css only, and the forum knows nothing of us
    (a stylesheet link is allowed in the body)."""
    if g.get("kb_stylesheet"):
        return Markup("")
    g.kb_stylesheet = True
    return Markup('<link rel="stylesheet" href="%s">') % url_for("static", filename="css/kb.css")


def answer_panels(page, viewer, keys, **_) -> dict:
    """Per answer: the article it became (for those who may see it) or the promote button."""
    found = thread.thread_articles(db.session, page.question.id, viewer)
    out = {}
    promoter = access.is_staff(viewer) and not page.question.is_deleted
    for answer in page.answers:
        linked = found.promoted.get(answer.id)
        may_promote = (promoter and answer.id not in found.promoted_ids and not answer.is_deleted
                       and access.can_promote(viewer, accepted=page.question.accepted_answer_id == answer.id))
        if linked is not None or may_promote:
            out[answer.id] = _stylesheet() + Markup(render_template(
                "kb/_answer_panel.html", answer=answer, linked=linked, may_promote=may_promote))
    return out


def reuse_panel(page, viewer, forms: dict, **_) -> Markup | None:
    found = thread.thread_articles(db.session, page.question.id, viewer)
    if not found.reused:
        return None
    return _stylesheet() + Markup(render_template("kb/_reused_panel.html", reused=found.reused,
                                                  question=page.question))


def reuse_form(page, viewer, forms: dict, **_) -> Markup | None:
    if not access.is_staff(viewer) or page.question.is_deleted or page.question.is_closed:
        return None
    form = forms.get("kb_reuse") or ReuseForm(formdata=None)
    return _stylesheet() + Markup(render_template("kb/_reuse_form.html", form=form, question=page.question))


def queue_count(viewer, **_) -> Markup | None:
    """The curators' work in the header; nothing (and no query) for anyone else."""
    if not access.is_curator(viewer):
        return None
    try:
        count = editor.queue_count(db.session, viewer)
    except SQLAlchemyError:  # an error page must still render
        return None
    return Markup(render_template("kb/_queue_count.html", count=count))


def credited_section(profile, viewer, **_) -> Markup | None:
    rows = thread.credited_articles(db.session, profile.user.id, viewer)
    if not rows:
        return None
    return _stylesheet() + Markup(render_template("kb/_credited.html", rows=rows, person=profile.user))


def article_subjects(session, reader, ids: set[int]) -> dict:
    """Notification subjects: an article's title and page for a reader who may see it (its
    owners see drafts too); articles hidden from the reader are left out."""
    from app.notifications.subjects import Subject

    out = {}
    version = ArticleVersion.id == func.coalesce(Article.published_version_id, Article.current_version_id)
    for article, title in session.execute(select(Article, ArticleVersion.title).join(ArticleVersion, version)
                                          .where(Article.id.in_(ids))):
        if access.can_see(article, reader):
            out[article.id] = Subject(title, article_url(article))
    return out


def article_audience(session, article_id: int, readers: list) -> set[int]:
    """Who of ``readers`` may see the article now: the access check alone, without building its
    title and address (notify runs in CLI commands and jobs too, where there is no request)."""
    article = session.get(Article, article_id)
    if article is None:
        return set()
    return {reader.id for reader in readers if access.can_see(article, reader)}


def register() -> None:
    slots.provide("question.answer", answer_panels, order=20)
    slots.provide("question.aside", reuse_panel, order=5)
    slots.provide("question.answer_form", reuse_form, order=20)
    slots.provide("header", queue_count, order=20)
    slots.provide("user.sections", credited_section, order=30)
