"""Search pages: results, click tracking, the gap list and synonyms (moderators)."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.cache.pages import cached_page, remember, vary
from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from app.forum import access
from app.web import login_required, paging
from app.search import get_backend, service, synonyms
from app.search.backend import Filters
from app.search.models import Synonym
from app.search.sources import doc_key, source_of_key
from app.search.web import click_later, filters_from_args, item_url, log_entry_later, log_later

bp = Blueprint("search", __name__)


class SynonymForm(FlaskForm):
    terms = TextAreaField(_l("Words or phrases that mean the same, one per line"),
                          validators=[DataRequired(_l("Enter at least two phrases.")), Length(max=500)],
                          description=_l("For example: 信用卡 and credit card, or 挂失 and report lost."))


def _curator():
    if not access.can_moderate(current_user):
        raise Forbidden(_l("Only moderators can see this page."))
    return current_user._get_current_object()


def _searched_again(_view_args: dict, meta: dict) -> dict:
    """A search answered from the cache is still a search: its log row, with a new click token."""
    entry = meta.get("log")
    token = log_entry_later(entry) if entry else None
    return {"log_token": token or ""}


@bp.get("/search")
@cached_page(bp, on_hit=_searched_again, etag=False)
def search():
    q = request.args.get("q", "")
    page, per_page = paging()
    filters, errors, detail = Filters(), {}, None
    try:
        filters = filters_from_args()
        if q.strip() or filters != Filters():
            result = service.search(db.session, get_backend, q=q, user=current_user, filters=filters,
                                    page=page, per_page=per_page)
            result.log_token = log_later(result, current_user, "web") if q.strip() else None
            if result.log_token:
                vary(result.log_token, "log_token")
                remember(log=service.log_entry(result, user=current_user, source="web"))
        else:
            result = None  # the empty search page: just the form
    except Invalid as err:
        db.session.rollback()
        result, detail = None, str(err.detail)
        errors = {k: str(v) for k, v in err.errors.items()} or {"q": detail}
    return render_template("search/results.html", q=q, result=result, filters=filters, errors=errors,
                           error_detail=detail, item_url=item_url), 400 if errors else 200


@bp.get("/search/click/<token>")
def click(token: str):
    """Record the click on the search ``token`` names (a job: this is a GET), then go to the
    result. The target comes from the key, never from the query string, so this is no open
    redirect; a token of no search still goes there, it just records nothing."""
    found = source_of_key(request.args.get("key", ""))
    if found is None:
        raise NotFound(_l("No such result."))
    source, obj_id = found
    rank = request.args.get("rank", "")[:6]
    click_later(token, doc_key(source.type, obj_id), int(rank) if rank.isdigit() else None)
    return redirect(item_url(SimpleNamespace(type=source.type, id=obj_id, slug=None, title="")), 303)


@bp.get("/search/gaps")
@login_required
def gaps():
    _curator()
    days = request.args.get("days", "30")
    days = min(365, max(1, int(days))) if days.isdigit() and len(days) < 4 else 30
    report = service.gaps(db.session, days=days)
    return render_template("search/gaps.html", report=report, days=days)


def _synonyms_page(form: SynonymForm, status: int = 200, editing: Synonym | None = None):
    return render_template("search/synonyms.html", form=form, groups=synonyms.list_synonyms(db.session),
                           editing=editing), status


@bp.get("/search/synonyms")
@login_required
def synonym_list():
    _curator()
    editing = None
    if request.args.get("edit", "").isdigit():
        editing = db.session.get(Synonym, int(request.args["edit"][:10]))
    form = SynonymForm(formdata=None, terms=editing.terms if editing else "")
    return _synonyms_page(form, editing=editing)


@bp.post("/search/synonyms")
@bp.post("/search/synonyms/<int:synonym_id>")
@login_required
def synonym_save(synonym_id: int | None = None):
    by = _curator()
    form = SynonymForm()
    existing = db.session.get(Synonym, synonym_id) if synonym_id else None
    if synonym_id and existing is None:
        raise NotFound(_l("No such synonym group."))
    if not form.validate():
        return _synonyms_page(form, 422, existing)
    try:
        synonyms.save_synonym(db.session, form.terms.data, by=by, synonym=existing)
    except Invalid as err:
        db.session.rollback()
        form.terms.errors = [str(m) for m in err.errors.values()] or [str(err.detail)]
        return _synonyms_page(form, 422, existing)
    flash(_("Synonyms saved. Searches use them from now on."), "success")
    return redirect(url_for("search.synonym_list"), 303)


@bp.post("/search/synonyms/<int:synonym_id>/delete")
@login_required
def synonym_delete(synonym_id: int):
    by = _curator()
    synonyms.delete_synonym(db.session, db.session.get(Synonym, synonym_id), by=by)
    flash(_("Synonym group deleted."), "success")
    return redirect(url_for("search.synonym_list"), 303)
