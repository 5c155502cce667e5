"""What the experts domain adds to other pages, through ``app.slots``: the question page's
routing panel (with its escalation steps), the user page's expertise section, and the inbox's
"why you" and decline form for each question waiting for the viewer. Each is cheap for a
visitor (no query without a login) and loads what it shows in a fixed number of queries."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from app import slots
from app.accounts.models import User
from app.experts import escalation, viewmodels
from app.experts.forms import DeclineForm, RouteForm
from app.extensions import db


def routing_panel(page, viewer, forms: dict, **_) -> Markup | None:
    """"Routing" (moderators) or "Why you were asked" (a person it was routed to); nothing for
    anyone else. ``forms``: a rejected decline/route form to show again."""
    panel = viewmodels.routing_panel(db.session, page.question, viewer)
    if panel is None:
        return None
    steps, pending = [], None
    names = {}
    if panel.is_moderator:
        steps, pending = escalation.steps_for(db.session, page.question.id)
        told = {uid for s in steps for uid in (s.notified or [])}
        names = {uid: name for uid, name in db.session.execute(
            select(User.id, User.display_name).where(User.id.in_(told)))} if told else {}
    # Each step with the names of whom it told, joined here (templates only print).
    steps = [(s, ", ".join(names[uid] for uid in (s.notified or []) if uid in names)) for s in steps]
    return Markup(render_template(
        "experts/_routing_panel.html", panel=panel, steps=steps, pending=pending,
        decline=forms.get("decline") or DeclineForm(formdata=None, origin="question"),
        route_form=forms.get("route") or RouteForm(formdata=None)))


def waiting_panels(keys, viewer, notes: dict, forms: dict, **_) -> dict:
    """For each question waiting for ``viewer`` in the inbox: why they were asked and a decline
    form (routed), or a pointer to route it by hand (escalated to a moderator)."""
    failed_id, failed = forms.get("decline_id"), forms.get("decline")
    out = {}
    for qid in keys:
        note = notes[qid]
        form = failed if failed is not None and failed_id == qid else DeclineForm(formdata=None)
        out[qid] = Markup(render_template("experts/_waiting.html", note=note, question_id=qid, form=form,
                                          question=_Ref(qid)))
    return out


class _Ref:
    """What the decline form macro needs of a question: its id."""

    def __init__(self, qid: int):
        self.id = qid


def expertise_section(profile, viewer, **_) -> Markup:
    """The user page's "Expertise": tags with evidence the viewer may see, and declared tags."""
    user = profile.user
    return Markup(render_template("experts/_expertise.html", expertise=viewmodels.expertise(db.session, user, viewer),
                                  person=user))


def register() -> None:
    slots.provide("question.aside", routing_panel, order=10)
    slots.provide("user.sections", expertise_section, order=10)
    slots.provide("notifications.waiting", waiting_panels, order=10)
