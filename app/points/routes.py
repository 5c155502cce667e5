"""Points pages: a user's history (/users/<id>/points) and the admins' rules and manual awards
(/admin/points/rules). Thin: the services in ``ruleset``, ``manual`` and ``queries`` decide."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import services as accounts
from app.accounts.models import User
from app.admin import queries as admin_queries
from app.errors import Invalid, NotFound
from app.extensions import db
from app.forum.urls import question_url
from app.points import manual, queries, rules, ruleset
from app.points.forms import ManualAwardForm, RulesForm
from app.web import copy_errors, login_required, paging

bp = Blueprint("points", __name__)


def _me():
    return current_user._get_current_object()


# --- a user's history ----------------------------------------------------------------------------

def subject_url(row: queries.LedgerRow) -> str | None:
    """The question or answer an entry is about, when the viewer may see it."""
    if row.question_id is None or row.title is None:
        return None
    question = SimpleNamespace(id=row.question_id, slug=row.slug)
    return question_url(question, _anchor=f"answer-{row.answer_id}") if row.answer_id else question_url(question)


@bp.get("/users/<id:user_id>/points")
def history(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    page, per_page = paging(per_page_default=25)
    entries = queries.ledger_for_user(db.session, user_id, viewer=current_user, page=page, per_page=per_page)
    total = queries.visible_total(db.session, user, current_user)
    return render_template("points/history.html", user=user, entries=entries, total=total, subject_url=subject_url)


# --- admin: rules and manual awards ---------------------------------------------------------------

def _admin_page(rules_form=None, award_form=None, status: int = 200):
    admin_queries.require_admin(_me())
    in_force = ruleset.current(db.session)
    if rules_form is None:
        rules_form = RulesForm(formdata=None)
        rules_form.fill(in_force)
    if award_form is None:
        award_form = ManualAwardForm(formdata=None)
    if not manual.KEY_RE.match(award_form.key.data or ""):
        award_form.key.data = manual.new_key()  # one key per rendered form: a resubmit is a no-op
    page, per_page = paging()
    versions = ruleset.history(db.session, page=page, per_page=per_page)
    return render_template("points/admin_rules.html", rules_form=rules_form, award_form=award_form,
                           in_force=in_force, versions=versions, editable=rules.EDITABLE, label=rules.label), status


@bp.get("/admin/points/rules")
@login_required
def admin_rules():
    return _admin_page()


@bp.post("/admin/points/rules")
@login_required
def save_rules():
    admin_queries.require_admin(_me())
    form = RulesForm()
    try:
        if not form.validate_on_submit():
            raise Invalid(errors={})
        row = ruleset.save_version(db.session, amounts=form.amounts(), capped=form.capped(),
                                   daily_cap=form.daily_cap.data, note=form.note.data, by=_me())
    except Invalid as err:
        db.session.rollback()
        copy_errors(form, err.errors)
        if not err.errors and not form.errors:
            form.form_errors.append(str(err.detail))
        return _admin_page(rules_form=form, status=422)
    flash(_("Version %(n)s of the points rules is in force.", n=row.version), "success")
    return redirect(url_for(".admin_rules"), 303)


@bp.post("/admin/points/awards")
@login_required
def manual_award():
    admin_queries.require_admin(_me())
    form = ManualAwardForm()
    try:
        if not form.validate_on_submit():
            raise Invalid(errors={})
        user = accounts.find_user(db.session, form.username.data)
        entry, created = manual.award_manually(db.session, user=user, amount=form.amount.data,
                                               reason=form.reason.data, by=_me(), key=form.key.data)
    except Invalid as err:
        db.session.rollback()
        copy_errors(form, err.errors)
        if not err.errors and not form.errors:
            form.form_errors.append(str(err.detail))
        return _admin_page(award_form=form, status=422)
    if created:
        flash(_("%(amount)s points for %(name)s are recorded.", amount=f"{entry.amount:+d}",
                name=user.username), "success")
    else:
        flash(_("This award was already recorded; nothing was added."), "info")
    return redirect(url_for(".history", user_id=entry.user_id), 303)


# The leaderboard and privileges pages share this blueprint (and its url_for names).
from app.points import board_routes  # noqa: E402,F401
