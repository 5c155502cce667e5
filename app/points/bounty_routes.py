"""Bounty pages: offer one (from the question page's box), award it (the offerer's button on an
answer), and /bounties, the open ones. Thin: parse the form, call ``app.points.bounties``,
flash, go back; a rejected offer shows the question page again with what was typed (422)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import Conflict, Invalid
from app.extensions import db
from app.forum.models import Answer
from app.forum.queries import question_page
from app.forum.routes.pages import get_question, render_question_page
from app.forum.services.common import require_visible
from app.forum.urls import question_url
from app.points import bounties
from app.points.bounty_forms import AwardForm, BountyForm
from app.points.bounty_models import Bounty
from app.web import login_required, paging, refuse

bp = Blueprint("bounties", __name__)


def _me():
    return current_user._get_current_object()


@bp.get("/bounties")
def list_page():
    page, per_page = paging()
    found = bounties.list_open(db.session, current_user, page=page, per_page=per_page)
    return render_template("points/bounties.html", bounties=found)


@bp.post("/questions/<id:question_id>/bounty")
@login_required
def offer_page(question_id: int):
    question = get_question(question_id)
    form = BountyForm()
    try:
        if not form.validate():
            raise Invalid()
        bounty = bounties.offer_bounty(db.session, question, form.amount.data, by=_me())
    except Invalid as err:
        refuse(form, err)
        return render_question_page(question_page(db.session, question.id, current_user), 422,
                                    slot_forms={"bounty": form}, error_anchor="bounty")
    flash(_("You offered a bounty of %(num)d points.", num=bounty.amount), "success")
    return redirect(question_url(question, _anchor="bounty"), 303)


@bp.post("/bounties/<id:bounty_id>/award")
@login_required
def award_page(bounty_id: int):
    bounty = db.session.get(Bounty, bounty_id)
    if bounty is not None:  # a hidden question's bounty does not exist for this viewer
        require_visible(bounty.question, current_user)
    form = AwardForm()
    raw = (form.answer_id.data or "").strip()
    answer = db.session.get(Answer, int(raw)) if raw.isdigit() and len(raw) <= 10 else None
    try:
        bounties.award_bounty(db.session, bounty, answer, by=_me())
    except (Invalid, Conflict) as err:
        db.session.rollback()
        message = next(iter(err.errors.values()), None) if isinstance(err, Invalid) else None
        flash(str(message or err.detail), "error")
        return redirect(question_url(bounty.question), 303)
    flash(_("The bounty of %(num)d points was awarded.", num=bounty.amount), "success")
    return redirect(question_url(bounty.question, _anchor=f"answer-{answer.id}"), 303)
