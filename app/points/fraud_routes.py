"""/review/fraud: the moderators' queue of vote-fraud cases, with confirm and dismiss.

Moderators and admins only; anyone else gets a 404, so the queue's existence (and whom it
names) does not show."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import User
from app.errors import Conflict, NotFound
from app.extensions import db
from app.forum import access
from app.points import fraud
from app.points.bounty_models import FraudStatus
from app.points.models import PointsEntry
from app.web import login_required, paging

bp = Blueprint("fraud", __name__)
STATUSES = (FraudStatus.open, FraudStatus.confirmed, FraudStatus.dismissed)


def _require_moderator() -> None:
    if not access.can_moderate(current_user):
        raise NotFound(_l("Not found."))


@bp.get("/review/fraud")
@login_required
def queue():
    _require_moderator()
    status = request.args.get("status", FraudStatus.open)
    status = status if status in STATUSES else FraudStatus.open
    page, per_page = paging()
    cases = fraud.list_cases(db.session, status=status, page=page, per_page=per_page)
    ids = {i for c in cases.items for i in (c.entry_ids or [])}
    entries = {e.id: e for e in db.session.scalars(select(PointsEntry).where(PointsEntry.id.in_(ids)))} if ids else {}
    return render_template("points/fraud_queue.html", cases=cases, entries=entries, status=status,
                           statuses=STATUSES)


@bp.post("/review/fraud/<id:case_id>/<action>")
@login_required
def decide(case_id: int, action: str):
    _require_moderator()
    if action not in ("confirm", "dismiss"):
        raise NotFound(_l("Not found."))
    try:
        case = fraud.decide(db.session, case_id, action, by=db.session.get(User, current_user.id))
    except Conflict as err:
        db.session.rollback()
        flash(str(err.detail), "error")
        return redirect(url_for("fraud.queue"), 303)
    if action == "confirm":
        flash(_("Case confirmed; %(num)d vote(s) reversed in all.", num=len(case.reversed_ids or [])), "success")
    else:
        flash(_("Case dismissed."), "success")
    return redirect(url_for("fraud.queue"), 303)
