"""What the points domain adds to other pages, through ``app.slots``: the user page's points
and their rank on the leaderboards."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from app import slots
from app.cache import fragment
from app.extensions import db
from app.points import leaderboard as boards
from app.points.queries import visible_total


def points_fact(profile, viewer, **_) -> Markup:
    """The "Points" fact of a profile, counting only what the viewer may see."""
    return Markup(render_template("points/_fact.html", points=visible_total(db.session, profile.user, viewer),
                                  user_id=profile.user.id))


def rank_fact(profile, viewer, **_) -> Markup:
    """The user's rank all time and this month, on the boards as ``viewer`` sees them (so a
    visitor's rank counts public activity only, like the points beside it)."""
    def render() -> str:
        ranks = {period: boards.rank_of(db.session, profile.user.id, boards.Board(period=period), viewer=viewer)
                 for period in ("all", "month")}
        return render_template("points/_rank_fact.html", ranks=ranks)

    # Two aggregates over the ledger: cached per visibility class until content changes (app.cache).
    return fragment("points.rank", (profile.user.id, boards.period_start("month")), render, viewer=viewer)


def register() -> None:
    slots.provide("user.facts", points_fact, order=10)
    slots.provide("user.facts", rank_fact, order=11)
