"""The curators' and owners' side: the work queue and the knowledge tree."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.errors import Invalid
from app.extensions import db
from app.kb import access
from app.kb.forms import CategoryForm, ResolveFlagForm, options
from app.kb.queries import editor as editor_q
from app.kb.queries.reader import catalog
from app.kb.routes import bp
from app.kb.routes.support import me
from app.kb.services import categories, common
from app.web import copy_errors, finish, login_required, paging


@bp.get("/queue")
@login_required
def queue():
    mine = request.args.get("scope") == "mine" or not access.is_curator(me())
    only = request.args.get("show", "all")
    only = only if only in editor_q.QUEUE_FILTERS else "all"
    page, _per = paging(30)
    found = editor_q.queue(db.session, me(), mine=mine, only=only, page=page)
    return render_template("kb/queue.html", items=found, mine=mine, shown=only, resolve_form=ResolveFlagForm(formdata=None),
                           curator=access.is_curator(me()))


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _values(form: CategoryForm) -> dict:
    position = form.position.data
    return {"name": form.name.data, "description": form.description.data or "", "parent_id": _int(form.parent.data),
            "owner_team_id": _int(form.owner_team.data), "default_audience": form.default_audience.data,
            "review_days": form.review_days.data, "position": position - 1 if position else None}


def _tree_page(form: CategoryForm, editing=None, status: int = 200):
    from sqlalchemy import select

    from app.accounts.models import Team

    found = catalog(db.session, me())
    teams = [(str(t.id), t.name) for t in db.session.scalars(select(Team).order_by(Team.name))]
    form.parent.choices = options([("", _("Top level"))] + [(str(c), "\u2003" * d + n) for c, n, d in found.options()])
    form.owner_team.choices = options([("", _("No team"))] + teams)
    return render_template("kb/categories.html", form=form, catalog=found, editing=editing), status


@bp.get("/categories")
@login_required
def category_list():
    common.require_curator(me())
    editing = None
    if request.args.get("edit", "").isdigit():
        editing = categories.get_category(db.session, int(request.args["edit"][:10]))
    if editing is not None:
        form = CategoryForm(formdata=None, obj=editing, parent=str(editing.parent_id or ""),
                            owner_team=str(editing.owner_team_id or ""))
    else:
        form = CategoryForm(formdata=None, default_audience="internal",
                            review_days=int(common.setting("KB_REVIEW_DAYS")),
                            parent=request.args.get("parent", "")[:10])
    return _tree_page(form, editing)


@bp.post("/categories")
@bp.post("/categories/<id:category_id>/edit")
@login_required
def category_save(category_id: int | None = None):
    common.require_curator(me())
    editing = categories.get_category(db.session, category_id) if category_id else None
    form = CategoryForm()
    try:
        if editing is None:
            saved = categories.create_category(db.session, _values(form), by=me())
        else:
            saved = categories.update_category(db.session, editing, _values(form), by=me())
    except Invalid as err:
        db.session.rollback()
        copy_errors(form, {{"parent_id": "parent", "owner_team_id": "owner_team"}.get(k, k): v
                           for k, v in err.errors.items()})
        return _tree_page(form, editing, 422)
    flash(_("The category “%(name)s” is saved.", name=saved.name), "success")
    return redirect(url_for(".category_list", _anchor=f"category-{saved.id}"), 303)


@bp.post("/categories/<id:category_id>/shift")
@login_required
def category_shift(category_id: int):
    found = categories.get_category(db.session, category_id)
    offset = -1 if request.form.get("direction") == "up" else 1
    return finish(lambda: categories.shift_category(db.session, found, offset, by=me()), _("Moved."),
                  url_for(".category_list", _anchor=f"category-{found.id}"))


@bp.post("/categories/<id:category_id>/delete")
@login_required
def category_delete(category_id: int):
    found = categories.get_category(db.session, category_id)
    return finish(lambda: categories.delete_category(db.session, found, by=me()), _("The category was deleted."),
                  url_for(".category_list"))
