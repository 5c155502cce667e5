"""What the experts domain adds to other pages, through ``app.slots``: the question page's
routing panel, the user page's expertise section. Each is cheap for a visitor (no query
without a login) and loads what it shows in a fixed number of queries."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from app import slots
from app.experts import viewmodels
from app.experts.forms import DeclineForm, RouteForm
from app.extensions import db


def routing_panel(page, viewer, forms: dict, **_) -> Markup | None:
    """"Routing" (moderators) or "Why you were asked" (a person it was routed to); nothing for
    anyone else. ``forms``: a rejected decline/route form to show again."""
    panel = viewmodels.routing_panel(db.session, page.question, viewer)
    if panel is None:
        return None
    return Markup(render_template(
        "experts/_routing_panel.html", panel=panel,
        decline=forms.get("decline") or DeclineForm(formdata=None, origin="question"),
        route_form=forms.get("route") or RouteForm(formdata=None)))


def expertise_section(profile, viewer, **_) -> Markup:
    """The user page's "Expertise": tags with evidence the viewer may see, and declared tags."""
    user = profile.user
    return Markup(render_template("experts/_expertise.html", expertise=viewmodels.expertise(db.session, user, viewer),
                                  person=user))


def register() -> None:
    slots.provide("question.aside", routing_panel, order=10)
    slots.provide("user.sections", expertise_section, order=10)
