"""The experts' HTML product: the expert directory, declining a routed question, the expert
settings and routing by hand (the inbox that lists routed questions is app.notifications'). The panels this domain adds to forum pages are in
``panels`` (page slots)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.services import find_user
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.experts import queries, routing, services, viewmodels
from app.experts.forms import DeclineForm, ExpertSettingsForm, RouteForm
from app.experts.models import TagInterest
from app.cache import render_page
from app.cache.pages import cached_page
from app.extensions import db
from app.forum import access
from app.forum.queries import question_page
from app.forum.routes.pages import get_question, render_question_page
from app.forum.services.common import require_visible
from app.forum.urls import question_url
from app.markup import normalize_tag
from app.web import login_required, refuse, render_form_error

bp = Blueprint("experts", __name__)
MAX_QUERY = 200


def _me():
    return current_user._get_current_object()


# --- the expert directory -------------------------------------------------------------------

@bp.get("/experts")
@cached_page(bp)
def directory():
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    tag = normalize_tag(request.args.get("tag", ""))[:35]

    def build():
        rows, overview, now = None, [], utcnow()
        if tag:
            rows = queries.experts_for_tag(db.session, tag, current_user, now=now)
        elif q:
            rows = queries.who_knows(db.session, q, current_user, now=now)
        else:
            overview = viewmodels.tag_overview(db.session, current_user, now=now)
        return {"rows": rows, "overview": overview}
    return render_page("experts/directory.html", "experts.directory", build, viewer=current_user, q=q, tag=tag)


# --- questions routed to me (the inbox itself is app.notifications') ---------------------------

def _back_to(question, origin: str) -> str:
    return question_url(question, _anchor="routing") if origin == "question" else url_for("notifications.inbox")


@bp.post("/questions/<id:question_id>/routing/decline")
@login_required
def decline(question_id: int):
    question = require_visible(get_question(question_id), current_user)
    form = DeclineForm()
    try:
        passed_to = routing.decline_route(db.session, question, by=_me(), reason=form.reason.data or "")
    except Invalid as err:
        return _refuse(question, form, err, "decline")
    except Conflict as err:  # declined or answered meanwhile (another tab): say so where they were
        db.session.rollback()
        flash(str(err.detail), "error")
        return redirect(_back_to(question, form.origin.data), 303)
    flash(_("You declined the question. It was passed on to someone else.") if passed_to
          else _("You declined the question. Nobody else can be asked right now."), "success")
    return redirect(_back_to(question, form.origin.data), 303)


@bp.post("/questions/<id:question_id>/routing")
@login_required
def add_routing_candidate(question_id: int):
    question = require_visible(get_question(question_id), current_user)
    if not access.can_moderate(current_user):
        raise Forbidden(_l("Only moderators can route questions by hand."))
    form = RouteForm()
    try:
        user = _person(form)
        routing.assign_by_hand(db.session, question, user, by=_me())
    except Invalid as err:
        return _refuse(question, form, err, "route")
    except Conflict as err:
        db.session.rollback()
        flash(str(err.detail), "error")
        return redirect(_back_to(question, "question"), 303)
    flash(_("%(name)s was asked to answer this question.", name=user.display_name), "success")
    return redirect(_back_to(question, "question"), 303)


def _person(form: RouteForm):
    """The user the form names; Invalid when the field is empty or nobody has that name."""
    if not form.validate():
        raise Invalid()
    user = find_user(db.session, form.username.data)
    if user is None:
        raise Invalid(errors={"username": _l("No such user.")})
    return user


def _refuse(question, form, err: Invalid, which: str):
    """Show the page the form was on again, with the service's messages and what was typed (422)."""
    refuse(form, Invalid(err.detail, errors={("username" if k == "user" else k): v for k, v in err.errors.items()}))
    if which == "decline" and form.origin.data != "question":
        from app.notifications.routes import render_inbox
        return render_inbox(422, {"decline": form, "decline_id": question.id})
    return render_question_page(question_page(db.session, question.id, current_user), 422,
                                slot_forms={which: form}, error_anchor="routing")


# --- expert settings --------------------------------------------------------------------------

def _initial(current: viewmodels.ExpertSettings) -> dict:
    away = not current.available
    return {"availability": "away" if away else "available", "away_until": current.away_until if away else None,
            "declared_tags": " ".join(current.declared), "subscribed_tags": " ".join(current.subscribed),
            "max_open_routes": current.max_open_routes, "daily_limit": current.daily_limit}


def _save(form: ExpertSettingsForm, me) -> dict:
    """Apply each part of the form whose fields passed the form's own checks, collecting the
    services' errors, so that every message is shown at once next to its field (the caller
    rolls back if there is any)."""
    steps = [
        (("availability", "away_until"), lambda: services.set_availability(
            db.session, me, available=form.availability.data != "away", away_until=form.away_until.data, by=me)),
        (("max_open_routes", "daily_limit"), lambda: services.set_caps(
            db.session, me, max_open_routes=form.max_open_routes.data, daily_limit=form.daily_limit.data, by=me)),
        (("declared_tags",), lambda: services.set_tag_interests(
            db.session, me, TagInterest.declared.value, form.declared_tags.data or "", by=me)),
        (("subscribed_tags",), lambda: services.set_tag_interests(
            db.session, me, TagInterest.subscribed.value, form.subscribed_tags.data or "", by=me)),
    ]
    errors: dict = {}
    for fields, step in steps:
        if any(form[name].errors for name in fields):
            continue
        try:
            step()
        except Invalid as err:
            errors.update(err.errors or {fields[0]: err.detail})
    return errors


@bp.route("/settings/expert", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "GET":
        form = ExpertSettingsForm(formdata=None, data=_initial(viewmodels.expert_settings(db.session, _me())))
        return render_template("experts/settings.html", form=form)
    form = ExpertSettingsForm()
    form.validate()
    errors = _save(form, _me())
    if errors or form.errors:
        return render_form_error("experts/settings.html", form, Invalid(errors=errors))
    flash(_("Your expert settings are saved."), "success")
    return redirect(url_for(".settings"), 303)
