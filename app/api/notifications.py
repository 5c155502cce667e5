"""The caller's notifications: catch up after an id (oldest first), and mark them read.

A client keeps the last ``id`` it saw (from this list or from the Socket.IO ``notification``
event, which carries the same JSON) and asks for ``?after=<id>`` when it reconnects, so a
notification sent while it was offline is never lost.
"""
from __future__ import annotations

from app.api import bp
from app.api.common import MAX_ID, int_arg, json_body, require_login
from app.api.openapi import PATHS, read, write
from app.api.openapi_schemas import BOOL, COMPONENTS, INT, STR, TIME, nullable, obj, ref
from app.extensions import db
from app.notifications import services

MAX_LIMIT = 100


@bp.get("/notifications")
def list_notifications():
    user = require_login()
    after = max(int_arg("after", 0, maximum=MAX_ID), 0)
    limit = min(max(int_arg("limit", MAX_LIMIT), 1), MAX_LIMIT)
    items = services.list_after(db.session, user.id, after, limit + 1)[:limit + 1]
    resolved = services.resolve_subjects(db.session, user.id, items[:limit])
    return {"items": [services.to_json(n, resolved) for n in items[:limit]], "after": after,
            "has_more": len(items) > limit,
            "unread": services.unread_count(db.session, user.id)}


@bp.post("/notifications/read")
def read_notifications():
    user = require_login()
    body = json_body()
    up_to = body.integer("up_to", minimum=0, maximum=MAX_ID)
    body.done()
    marked = services.mark_read(db.session, user.id, up_to)
    return {"marked": marked, "unread": services.unread_count(db.session, user.id)}


COMPONENTS["schemas"].setdefault("Notification", obj({
    "id": {**INT, "description": "Monotonic: resume with ?after=<the last id seen>."},
    "kind": {**STR, "description": "routed (a question was routed to you), and the kinds other domains add."},
    "subject_type": {**nullable(STR), "description": "question, article, badge ..."},
    "subject_id": nullable(INT), "question_id": nullable(INT),
    "title": {**nullable(STR), "description": "The subject's title now; null when the reader may no longer see it."},
    "url": nullable(STR), "gone": {**BOOL, "description": "The subject was deleted."},
    "reasons": {"type": "array", "items": {"type": "object"}}, "rank": nullable(INT),
    "created_at": TIME, "read": BOOL, "resolved": {**BOOL, "description": "Settled: no action is waiting."}}))
COMPONENTS["schemas"].setdefault("NotificationList", obj({
    "items": {"type": "array", "items": ref("Notification")}, "after": INT, "has_more": BOOL, "unread": INT}))
COMPONENTS["schemas"].setdefault("MarkRead", obj({"up_to": INT}, required=[], additionalProperties=False))
COMPONENTS["schemas"].setdefault("MarkReadResult", obj({"marked": INT, "unread": INT}))
PATHS.setdefault("/notifications", {"get": read(
    "list_notifications", "The caller's notifications with id greater than after, oldest first.",
    "NotificationList", tag="notifications", errors=(400, 401), params=[
        {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}])})
PATHS.setdefault("/notifications/read", {"post": write(
    "read_notifications", "Mark the caller's notifications read (all, or up to an id).", tag="notifications",
    body="MarkRead", ok=(200, "MarkReadResult"), errors=(401, 429))})
