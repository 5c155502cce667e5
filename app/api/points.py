"""GET /api/v1/users/<id>/points: a user's points ledger, newest first.

Anyone may read it (like the total on the public profile). Entries earned on a question the
caller may not see are listed with ``question_id``/``answer_id`` null and ``is_hidden`` true,
rather than left out: the amounts then still add up to the public total, and nothing about
the hidden question (its id, that this user answered it) leaks. See
``app.points.queries.ledger_for_user``.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.api import bp
from app.api.common import found, page_json, paging, viewer
from app.api.openapi import PAGING, PATHS, U, read
from app.api.openapi_schemas import COMPONENTS, INT, STR, TIME, nullable, obj, page_of
from app.api.serializers import iso
from app.extensions import db
from app.points import queries


def entry_json(row: queries.LedgerRow) -> dict:
    return {"id": row.id, "amount": row.amount, "reason": row.reason, "label": str(row.label),
            "question_id": row.question_id, "answer_id": row.answer_id, "is_hidden": row.is_hidden,
            "created_at": iso(row.created_at), "reverses_id": row.reverses_id,
            "rule_version": row.rule_version or 0, "note": row.note}


@bp.get("/users/<id:user_id>/points")
def list_user_points(user_id: int):
    found(db.session.get(User, user_id), _l("No such user."))
    page, per_page = paging()
    result = queries.ledger_for_user(db.session, user_id, viewer=viewer(), page=page, per_page=per_page)
    return page_json(result, entry_json)


# The OpenAPI description of this route, registered beside it (setdefault: an entry written
# into app/api/openapi.py by hand wins). Its properties match entry_json exactly.
COMPONENTS["schemas"].setdefault("PointsEntry", obj({
    "id": INT,
    "amount": {**INT, "description": "Points added (negative: taken away)."},
    "reason": {**STR, "description": "Rule code, e.g. answer_upvoted, answer_accepted, downvote_cast."},
    "label": {**STR, "description": "The reason in the caller's language."},
    "question_id": nullable({**INT, "description": "Null when the caller may not see the question."}),
    "answer_id": nullable(INT),
    "is_hidden": {"type": "boolean", "description": "Earned on a question the caller may not see."},
    "created_at": TIME,
    "reverses_id": nullable({**INT, "description": "On a reversal: the entry it cancels."}),
    "rule_version": {**INT, "description": "The rule set version the amount was computed under "
                     "(0: the code defaults)."},
    "note": nullable({**STR, "description": "A manual award's reason (reason \"manual\"); null otherwise."}),
}))
COMPONENTS["schemas"].setdefault("PointsEntryPage", page_of("PointsEntry"))
PATHS.setdefault("/users/{user_id}/points", {
    "get": read("list_user_points", "A user's points ledger, newest first; entries on questions the "
                "caller may not see have no post ids.", "PointsEntryPage", tag="users",
                params=[U, *PAGING]),
})
