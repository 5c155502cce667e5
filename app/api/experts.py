"""Experts and routing: the directory (GET /experts), a question's routing decision, declining a
routed question, routing by hand, and the caller's expert profile (availability, interests)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import request
from flask_babel import lazy_gettext as _l

from app.api import bp
from app.api.common import BadInput, found, int_arg, json_body, require_login, viewer
from app.api.openapi import PATHS, Q, read, write
from app.api.openapi_schemas import BOOL, COMPONENTS, INT, STR, TIME, nullable, obj, ref
from app.api.questions import load_question
from app.api.serializers import iso, user_brief
from app.accounts.models import User
from app.accounts.services import find_user
from app.db import utcnow
from app.errors import Forbidden, NotFound
from app.experts import queries, routing, services, viewmodels
from app.experts.models import TagInterest
from app.extensions import db
from app.forum.services.common import require_visible


def expert_json(row: queries.ExpertRow) -> dict:
    ev = row.evidence
    return {"user": user_brief(row.user), "weight": round(row.weight, 4),
            "evidence": {"answers": ev.answers, "accepted": ev.accepted, "score": ev.score,
                         "last_answer_at": iso(ev.last_answer_at)},
            "tags": row.tags, "declared": row.declared, "is_available": row.is_available}


@bp.get("/experts")
def list_experts():
    tag = (request.args.get("tag") or "").strip()
    q = (request.args.get("q") or "").strip()[:200]
    limit = min(max(int_arg("limit", 20), 1), 100)
    if not tag and not q:
        raise BadInput(_l("Give a tag (?tag=) or words (?q=)."), errors={"tag": _l("Required without q.")})
    if tag:
        rows = queries.experts_for_tag(db.session, tag, viewer(), limit=limit, now=utcnow())
    else:
        rows = queries.who_knows(db.session, q, viewer(), limit=limit, now=utcnow())
    return {"items": [expert_json(r) for r in rows], "total": len(rows), "tag": tag or None, "q": q or None}


def candidate_json(c) -> dict:
    return {"user": user_brief(c.user), "rank": c.rank, "score": c.score, "reasons": c.reasons,
            "state": c.state, "is_exploration": c.is_exploration, "notified_at": iso(c.notified_at),
            "declined_at": iso(c.declined_at), "decline_reason": c.decline_reason,
            "answered_at": iso(c.answered_at), "routed_by_hand": c.routed_by_id is not None}


def routing_json(decision, candidates) -> dict:
    return {"question_id": decision.question_id, "status": decision.status, "created_at": iso(decision.created_at),
            "candidates": [candidate_json(c) for c in candidates],
            "notified": [c.user_id for c in candidates if c.notified_at is not None]}


def _visible_question(question_id: int):
    by = require_login()
    question = require_visible(load_question(question_id), by)
    return by, question


@bp.get("/questions/<id:question_id>/routing")
def get_routing(question_id: int):
    by, question = _visible_question(question_id)
    decision = found(queries.decision_for(db.session, question.id), _l("This question has not been routed."))
    candidates = queries.visible_candidates(decision, by)
    if candidates is None:
        raise Forbidden(_l("Only moderators and the people it was routed to can see this."))
    return routing_json(decision, candidates)


@bp.post("/questions/<id:question_id>/routing/decline")
def decline_routing(question_id: int):
    by, question = _visible_question(question_id)
    body = json_body()
    reason = body.string("reason") or ""
    body.done()
    routing.decline_route(db.session, question, by=by, reason=reason)
    decision = queries.decision_for(db.session, question.id)
    return routing_json(decision, queries.visible_candidates(decision, by) or [])


@bp.post("/questions/<id:question_id>/routing")
def add_routing_candidate(question_id: int):
    by, question = _visible_question(question_id)
    body = json_body()
    target = body.id_or_slug("user")
    body.done()
    if target is None:
        raise BadInput(_l("Say whom to ask."), errors={"user": _l("A user id or username.")})
    user = db.session.get(User, target) if isinstance(target, int) else find_user(db.session, target)
    if user is None:
        raise NotFound(_l("No such user."))
    routing.assign_by_hand(db.session, question, user, by=by)
    decision = queries.decision_for(db.session, question.id)
    return routing_json(decision, queries.visible_candidates(decision, by) or []), 201


def profile_json(user: User) -> dict:
    # The same read-only view as the settings page: a GET creates no profile row.
    settings = viewmodels.expert_settings(db.session, user)
    away = settings.away_until if not settings.available else None
    available = settings.available or (away is not None and away <= utcnow())
    return {"user": user_brief(user), "is_available": available, "away_until": iso(away),
            "max_open_routes": settings.max_open_routes, "daily_limit": settings.daily_limit,
            "declared_tags": settings.declared, "subscribed_tags": settings.subscribed}


@bp.get("/users/me/expert-profile")
def get_expert_profile():
    return profile_json(require_login())


def _away_until(body) -> datetime | None:
    """ISO 8601; an offset is converted to UTC, a time without one is taken as UTC."""
    raw = body.string("away_until")
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        body._bad("away_until", _l("ISO 8601, e.g. 2026-12-01T08:00:00Z."))
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


@bp.patch("/users/me/expert-profile")
def patch_expert_profile():
    by = require_login()
    body = json_body()
    available = body.boolean("is_available")
    away_until = _away_until(body)
    declared = body.string_list("declared_tags")
    subscribed = body.string_list("subscribed_tags")
    caps = {name: body.integer(name, minimum=0, maximum=100) for name in ("max_open_routes", "daily_limit")
            if name in body.data}
    body.done()
    if available is not None:
        services.set_availability(db.session, by, available=available, away_until=away_until, by=by)
    if caps:
        profile = services.profile_of(db.session, by.id)
        services.set_caps(db.session, by, max_open_routes=caps.get("max_open_routes", profile.max_open_routes),
                          daily_limit=caps.get("daily_limit", profile.daily_limit), by=by)
    if declared is not None:
        services.set_tag_interests(db.session, by, TagInterest.declared.value, declared, by=by)
    if subscribed is not None:
        services.set_tag_interests(db.session, by, TagInterest.subscribed.value, subscribed, by=by)
    return profile_json(by)


# --- OpenAPI -------------------------------------------------------------------------------
_EVIDENCE = obj({"answers": INT, "accepted": INT, "score": INT, "last_answer_at": nullable(TIME)})
COMPONENTS["schemas"].setdefault("Expert", obj({
    "user": ref("UserBrief"), "weight": {"type": "number", "description": "Graph expertise in the tag (0-1)."},
    "evidence": _EVIDENCE, "tags": {"type": "array", "items": STR}, "declared": BOOL, "is_available": BOOL}))
COMPONENTS["schemas"].setdefault("ExpertList", obj({
    "items": {"type": "array", "items": ref("Expert")}, "total": INT, "tag": nullable(STR), "q": nullable(STR)}))
_REASON = {"type": "object", "description": "A reason code (answered_in_tags, similar_answers, trusted_answerer, frequent_answerer, "
           "declared_expertise, subscribed_tag, recently_active, open_routes, routed_by_hand) with its parameters."}
COMPONENTS["schemas"].setdefault("RoutingCandidate", obj({
    "user": ref("UserBrief"), "rank": INT, "score": {"type": "number"}, "reasons": {"type": "array", "items": _REASON},
    "state": {"type": "string", "enum": ["ranked", "notified", "declined", "answered", "withdrawn"]},
    "is_exploration": BOOL, "notified_at": nullable(TIME), "declined_at": nullable(TIME),
    "decline_reason": nullable(STR), "answered_at": nullable(TIME), "routed_by_hand": BOOL}))
COMPONENTS["schemas"].setdefault("Routing", obj({
    "question_id": INT, "status": {"type": "string", "enum": ["routed", "no_candidates", "answered"]},
    "created_at": TIME, "candidates": {"type": "array", "items": ref("RoutingCandidate")},
    "notified": {"type": "array", "items": INT}}))
COMPONENTS["schemas"].setdefault("Decline", obj({"reason": STR}, required=[], additionalProperties=False))
COMPONENTS["schemas"].setdefault("RouteByHand", obj({"user": {"type": ["integer", "string"]}},
                                                    additionalProperties=False))
COMPONENTS["schemas"].setdefault("ExpertProfile", obj({
    "user": ref("UserBrief"), "is_available": BOOL, "away_until": nullable(TIME),
    "max_open_routes": nullable(INT), "daily_limit": nullable(INT),
    "declared_tags": {"type": "array", "items": STR}, "subscribed_tags": {"type": "array", "items": STR}}))
COMPONENTS["schemas"].setdefault("ExpertProfileEdit", obj({
    "is_available": BOOL, "away_until": nullable(TIME), "max_open_routes": nullable(INT), "daily_limit": nullable(INT),
    "declared_tags": {"type": "array", "items": STR}, "subscribed_tags": {"type": "array", "items": STR}},
    required=[], additionalProperties=False))
PATHS.setdefault("/experts", {"get": read(
    "list_experts", "Experts for a tag (?tag=) or for words (?q=, who knows about X), with evidence "
    "counted on questions the caller may see.", "ExpertList", tag="experts", params=[
        {"name": "tag", "in": "query", "schema": STR}, {"name": "q", "in": "query", "schema": STR},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
    errors=(400,))})
PATHS.setdefault("/questions/{question_id}/routing", {
    "get": read("get_routing", "The routing decision: every candidate for moderators, only their own row "
                "for a person it was routed to.", "Routing", tag="experts", params=[Q], errors=(401, 403, 404)),
    "post": write("add_routing_candidate", "Moderators: ask one more person about the question.", tag="experts",
                  params=[Q], body="RouteByHand", ok=(201, "Routing"))})
PATHS.setdefault("/questions/{question_id}/routing/decline", {"post": write(
    "decline_routing", "Decline a question routed to you; it goes to the next candidate.", tag="experts",
    params=[Q], body="Decline", ok=(200, "Routing"))})
PATHS.setdefault("/users/me/expert-profile", {
    "get": read("get_expert_profile", "The caller's availability, caps and tag interests.", "ExpertProfile",
                tag="experts", errors=(401,)),
    "patch": write("patch_expert_profile", "Set availability (away until), caps, declared expertise and "
                   "tag subscriptions.", tag="experts", body="ExpertProfileEdit", ok=(200, "ExpertProfile"))})
