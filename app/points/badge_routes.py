"""Badge pages: /badges (the table, by class, with holders' counts) and /badges/<code> (its
holders, newest first). Read-only and public: a badge says what someone did; a tag badge's tag
is shown only to viewers who may see questions in it."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.extensions import db
from app.points import badge_queries, badges
from app.web import paging

bp = Blueprint("badges", __name__)


@bp.get("/badges")
def index():
    return render_template("points/badges.html", groups=badge_queries.badge_table(db.session),
                           class_labels=badges.CLASS_LABELS)


@bp.get("/badges/<code>")
def badge(code: str):
    found = badges.get(code)
    if found is None:
        abort(404)
    page, per_page = paging()
    holders = badge_queries.holders(db.session, code, page, per_page)
    return render_template("points/badge.html", badge=found, class_labels=badges.CLASS_LABELS, holders=holders,
                           shown=badge_queries.shown_tags(db.session, current_user, holders.items))
