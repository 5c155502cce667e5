"""Writing articles: a new one, an edit (a new version), restoring an old version, moving the
article through its statuses. A refused save shows the form again with what was typed and
the messages beside the fields (422, or 403 for an action the person may not take), and
writes nothing."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.errors import Forbidden, Invalid
from app.extensions import db
from app.kb import access
from app.kb.forms import ArticleForm, RestoreForm, TransitionForm
from app.kb.routes import bp
from app.kb.urls import article_url
from app.kb.routes.support import changes_from, fill, load, me, prepare, render_edit
from app.kb.services import articles, common, workflow
from app.web import finish, login_required

def _done(article):
    """Back to the article, saying where the save left it."""
    message = {"published": _("Saved and published: readers see this version now."),
               "review": _("Saved. The new version waits for review; readers still see the published one.")
               if article.published_version_id else _("Saved and sent to review."),
               }.get(article.status, _("Your changes are saved."))
    flash(message, "success")
    return redirect(article_url(article), 303)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = prepare(ArticleForm())
    if request.method == "GET":
        category = request.args.get("category", "")
        form.categories.data = [int(category)] if category.isdigit() and len(category) < 10 else []
        return render_edit(form, None)
    action = request.form.get("action", "save")
    try:
        article = articles.create_article(db.session, changes_from(form, None), by=me(), action=action)
    except (Invalid, Forbidden) as err:
        return render_edit(form, None, err.status, err)
    return _done(article)


@bp.route("/articles/<id:article_id>/edit", methods=["GET", "POST"])
@login_required
def edit(article_id: int):
    article = common.require_visible(load(article_id), me())
    common.require_editor(article, me())
    form = prepare(ArticleForm(formdata=None if request.method == "GET" else request.form), article)
    if request.method == "GET":
        fill(form, article)
        return render_edit(form, article)
    action = request.form.get("action", "save")
    try:
        articles.save_article(db.session, article, changes_from(form, article), by=me(), action=action)
    except (Invalid, Forbidden) as err:
        return render_edit(form, article, err.status, err)
    return _done(article)


@bp.post("/articles/<id:article_id>/versions/<int:number>/restore")
@login_required
def restore(article_id: int, number: int):
    article = common.require_visible(load(article_id), me())
    form = RestoreForm()
    articles.restore_version(db.session, article, number, by=me(), note=form.note.data or "")
    flash(_("Version %(n)d was saved again as the newest version.", n=number), "success")
    return redirect(article_url(article), 303)


@bp.post("/articles/<id:article_id>/transition")
@login_required
def move(article_id: int):
    article = common.require_visible(load(article_id), me())
    form = TransitionForm()
    url = article_url(article)
    return finish(lambda: workflow.transition(db.session, article, form.to.data, by=me(), note=form.note.data or ""),
                  _("The article's status was changed."), url, on_invalid=lambda err: _refused(article, err))


def _refused(article, err: Invalid):
    """A move that needs something first (a category before publishing): say so on the page."""
    db.session.rollback()
    flash(" ".join([str(err.detail), *map(str, err.errors.values())]) if err.errors else str(err.detail), "error")
    return redirect(url_for(".edit" if access.can_edit(article, me()) else ".article", article_id=article.id), 303)
