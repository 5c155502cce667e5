"""What the points domain adds to other pages, through ``app.slots``: the user page's points."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from app import slots
from app.extensions import db
from app.points.queries import visible_total


def points_fact(profile, viewer, **_) -> Markup:
    """The "Points" fact of a profile, counting only what the viewer may see."""
    return Markup(render_template("points/_fact.html", points=visible_total(db.session, profile.user, viewer),
                                  user_id=profile.user.id))


def register() -> None:
    slots.provide("user.facts", points_fact, order=10)
