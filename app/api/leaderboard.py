"""GET /api/v1/leaderboard?period=week|month|quarter|all&tag=&team=: ranked points.

Anyone may read it; what counts follows the caller's visibility (``app.points.leaderboard``):
an anonymous caller's board counts public activity only. A bad period, or a tag or team that
does not exist, is a 422 with the field in ``errors``.
"""
from __future__ import annotations

from flask import request

from app.api import bp
from app.api.common import page_json, paging, viewer
from app.api.openapi import PAGING, PATHS, read
from app.api.openapi_schemas import COMPONENTS, INT, obj, page_of, ref
from app.api.serializers import user_brief
from app.extensions import db
from app.points import leaderboard as boards


def row_json(row: boards.Row) -> dict:
    return {"user": user_brief(row.user), "points": row.points, "rank": row.rank}


@bp.get("/leaderboard")
def get_leaderboard():
    board = boards.board_from_args(db.session, request.args)
    page, per_page = paging()
    return page_json(boards.leaderboard(db.session, board, viewer=viewer(), page=page, per_page=per_page),
                     row_json)


COMPONENTS["schemas"].setdefault("LeaderboardRow", obj({
    "user": ref("UserBrief"),
    "points": {**INT, "description": "Points earned in the period (that the caller may see)."},
    "rank": {**INT, "description": "1 for the most points; ties share a rank (1, 2, 2, 4)."},
}))
COMPONENTS["schemas"].setdefault("LeaderboardPage", page_of("LeaderboardRow"))
PATHS.setdefault("/leaderboard", {
    "get": read("get_leaderboard", "Users ranked by the points they earned in a UTC calendar period, "
                "overall, in a tag or in a team. Anonymous callers' boards count public activity only.",
                "LeaderboardPage", tag="users", errors=(400, 422), params=[
                    {"name": "period", "in": "query", "description": "This calendar week (from Monday), "
                     "month, quarter (UTC), or all time.",
                     "schema": {"type": "string", "enum": list(boards.PERIODS), "default": "all"}},
                    {"name": "tag", "in": "query", "schema": {"type": "string"},
                     "description": "Only points earned on questions with this tag."},
                    {"name": "team", "in": "query", "schema": {"type": "string"},
                     "description": "Only the team's members (slug or id)."},
                    *PAGING]),
})
