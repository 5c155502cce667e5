"""Bounties in the API: offer one on a question, list the open ones, award one to an answer.

POST /questions/<id>/bounty {"amount"} -> 201; GET /bounties (open, paged, only on questions
the caller may see); POST /bounties/<id>/award {"answer_id"} (the offerer only). The rules and
the points live in ``app.points.bounties``; this module parses and serializes."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.api import bp
from app.api.common import created, found, json_body, page_json, paging, require_login, viewer
from app.api.openapi import PAGING, PATHS, Q, read, write
from app.api.openapi_schemas import COMPONENTS, INT, STR, TIME, nullable, obj, page_of, ref
from app.api.questions import load_question
from app.api.serializers import iso, user_brief
from app.extensions import db
from app.forum.models import Answer
from app.forum.services.common import require_visible
from app.points import bounties
from app.points.bounty_models import Bounty


def bounty_json(b: Bounty) -> dict:
    return {"id": b.id, "question_id": b.question_id, "question_title": b.question.title,
            "offerer": user_brief(b.offerer), "amount": b.amount, "status": b.status,
            "created_at": iso(b.created_at), "expires_at": iso(b.expires_at),
            "answer_id": b.answer_id, "awarded_to_id": b.awarded_to_id}


@bp.post("/questions/<id:question_id>/bounty")
def offer_bounty(question_id: int):
    by = require_login()
    question = require_visible(load_question(question_id), by)
    body = json_body()
    amount = body.integer("amount", minimum=1, maximum=10**9)
    body.done()
    bounty = bounties.offer_bounty(db.session, question, amount, by=by)
    db.session.flush()
    return created(bounty_json(bounty), url_for("api.list_bounties", _external=False))


@bp.get("/bounties")
def list_bounties():
    page, per_page = paging()
    return page_json(bounties.list_open(db.session, viewer(), page=page, per_page=per_page), bounty_json)


@bp.post("/bounties/<id:bounty_id>/award")
def award_bounty(bounty_id: int):
    by = require_login()
    bounty = found(db.session.get(Bounty, bounty_id), _l("No such bounty."))
    require_visible(bounty.question, by)  # a hidden question's bounty does not exist for the caller
    body = json_body()
    answer_id = body.integer("answer_id", minimum=1, maximum=2**31 - 1)
    body.done()
    answer = db.session.get(Answer, answer_id) if answer_id is not None else None
    return bounty_json(bounties.award_bounty(db.session, bounty, answer, by=by))


# OpenAPI, registered beside the routes (setdefault: a hand-written entry wins).
COMPONENTS["schemas"].setdefault("Bounty", obj({
    "id": INT, "question_id": INT, "question_title": STR, "offerer": ref("UserBrief"),
    "amount": {**INT, "description": "Points paid by the offerer when offering."},
    "status": {"type": "string", "enum": ["open", "awarded", "expired"]},
    "created_at": TIME, "expires_at": TIME,
    "answer_id": nullable({**INT, "description": "The answer that earned it (awarded only)."}),
    "awarded_to_id": nullable(INT),
}))
COMPONENTS["schemas"].setdefault("BountyPage", page_of("Bounty"))
COMPONENTS["schemas"].setdefault("BountyOffer", obj({"amount": {**INT, "minimum": 50}}, additionalProperties=False))
COMPONENTS["schemas"].setdefault("BountyAward", obj({"answer_id": INT}, additionalProperties=False))
COMPONENTS["parameters"].setdefault("bounty_id", {"name": "bounty_id", "in": "path", "required": True,
                                                  "schema": {"type": "integer", "minimum": 1},
                                                  "description": "The bounty's id."})
PATHS.setdefault("/questions/{question_id}/bounty", {
    "post": write("offer_bounty", "Offer part of your points (at least 50, at most what you have) on an open "
                  "question for 7 days; they are paid now.", tag="points", params=[Q], body="BountyOffer",
                  ok=(201, "Bounty"), location=True, errors=(401, 404, 409, 429)),
})
PATHS.setdefault("/bounties", {
    "get": read("list_bounties", "Open bounties on questions the caller may see, ending soonest first.",
                "BountyPage", tag="points", params=PAGING, errors=(400,)),
})
PATHS.setdefault("/bounties/{bounty_id}/award", {
    "post": write("award_bounty", "The offerer awards the open bounty to an answer of the question (not their own).",
                  tag="points", params=[ref("bounty_id", "parameters")], body="BountyAward", ok=(200, "Bounty"),
                  errors=(401, 403, 404, 409, 429)),
})
