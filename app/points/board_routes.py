"""Pages of the points domain: /leaderboard (and its CSV export) and /privileges, on the
``points`` blueprint of ``app.points.routes``.

Thin views: the boards come from ``app.points.leaderboard``, the thresholds from
``app.points.privileges``. A bad selector on the page is shown next to the form (422), never a
500; the CSV export is for managers only (403 for others).
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import Team
from app.cache import fragment
from app.errors import Forbidden, Invalid
from app.extensions import db
from app.forum.models import Tag
from app.points import leaderboard as boards
from app.points import privileges
from app.web import paging

from app.points.routes import bp

def period_labels() -> dict[str, str]:
    # Translated per request (the msgids are marked for extraction here).
    return {"week": _("This week"), "month": _("This month"), "quarter": _("This quarter"), "all": _("All time")}


def _choices():
    tags = db.session.scalars(select(Tag.name).where(Tag.question_count > 0).order_by(Tag.name).limit(500)).all()
    teams = db.session.execute(select(Team.slug, Team.name).order_by(Team.name)).all()
    return tags, teams


@bp.get("/leaderboard")
def leaderboard():
    args = {k: request.args.get(k, "")[:64] for k in ("period", "tag", "team")}
    tags, teams = _choices()
    try:
        board = boards.board_from_args(db.session, request.args)
    except Invalid as err:
        return render_template("points/leaderboard.html", board=None, table=None, args=args, tags=tags,
                               teams=teams, errors={k: str(v) for k, v in err.errors.items()},
                               periods=period_labels(), can_export=False), 422
    page, per_page = paging(50)
    start, end = boards.period_start(board.period), boards.period_end(board.period)

    def table() -> str:
        result = boards.leaderboard(db.session, board, viewer=current_user, page=page, per_page=per_page)
        return render_template("points/_board_table.html", result=result)

    # The aggregate is the page's whole cost: shared by everyone of the viewer's visibility
    # class until the next commit that changes content (app.cache), keyed by the period's start
    # so a new week starts a new board.
    key = (board.period, start, board.tag.id if board.tag else None, board.team.id if board.team else None,
           page, per_page, tuple(sorted(request.args.items(multi=True)))[:10])
    return render_template("points/leaderboard.html", board=board, args=args, tags=tags,
                           table=fragment("points.board", key, table, viewer=current_user),
                           teams=teams, errors={}, periods=period_labels(),
                           start=start, last_day=end - timedelta(days=1) if end else None,
                           can_export=boards.can_export(current_user, board.team))


@bp.get("/leaderboard.csv")
def leaderboard_csv():
    board = boards.board_from_args(db.session, request.args)
    if not boards.can_export(current_user, board.team):
        raise Forbidden(_("Only moderators, admins and the team's admins can export this leaderboard."))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank", "user_id", "username", "display_name", "points"])
    for row in boards.all_rows(db.session, board, viewer=current_user):
        writer.writerow([row.rank, row.user.id, row.user.username, _csv_safe(row.user.display_name), row.points])
    name = "-".join(["leaderboard", board.period, *([board.tag.name] if board.tag else []),
                     *([board.team.slug] if board.team else [])])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _csv_safe(text: str) -> str:
    """A display name cannot become a spreadsheet formula in the manager's Excel."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/privileges")
def privileges_page():
    user = current_user if current_user.is_authenticated else None
    return render_template("points/privileges.html", rows=privileges.standings(user),
                           points=user.points if user else None, by_role=bool(user and user.is_moderator))
