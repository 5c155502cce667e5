"""The caller's notifications (catch up after an id, mark read), their notification settings and
what they follow.

A client keeps the last ``id`` it saw (from this list or from the Socket.IO ``notification``
event, which carries the same JSON) and asks for ``?after=<id>`` when it reconnects, so a
notification sent while it was offline is never lost.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.api import bp
from app.api.common import MAX_ID, int_arg, json_body, require_login
from app.api.openapi import PATHS, read, write
from app.api.openapi_schemas import BOOL, COMPONENTS, INT, STR, TIME, nullable, obj, ref
from app.errors import Invalid
from app.extensions import db
from app.notifications import follows, preferences, services

MAX_LIMIT = 100


@bp.get("/notifications")
def list_notifications():
    user = require_login()
    after = max(int_arg("after", 0, maximum=MAX_ID), 0)
    limit = min(max(int_arg("limit", MAX_LIMIT), 1), MAX_LIMIT)
    items = services.list_after(db.session, user.id, after, limit + 1)[:limit + 1]
    resolved = services.resolve_subjects(db.session, user.id, items[:limit])
    names = services.actor_names(db.session, items[:limit])
    return {"items": [services.to_json(n, resolved, names) for n in items[:limit]], "after": after,
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


def _settings_json(user_id: int) -> dict:
    prefs = preferences.preferences(db.session, user_id)
    quiet = None
    if prefs.quiet_start is not None:
        quiet = {"start": preferences.format_clock(prefs.quiet_start), "end": preferences.format_clock(prefs.quiet_end)}
    return {"kinds": prefs.frequencies, "timezone": prefs.timezone, "quiet_hours": quiet,
            "auto_follow": prefs.auto_follow}


@bp.get("/notifications/settings")
def get_notification_settings():
    return _settings_json(require_login().id)


@bp.put("/notifications/settings")
def put_notification_settings():
    """Change some settings: only the fields given; ``quiet_hours: null`` removes them."""
    user = require_login()
    body = json_body()
    raw_kinds = body._get("kinds")
    timezone_name = body.string("timezone")
    auto_follow = body.boolean("auto_follow")
    has_quiet = "quiet_hours" in body.data
    quiet = body._get("quiet_hours")
    errors: dict = {}
    if raw_kinds is not None and (not isinstance(raw_kinds, dict)
                                  or not all(isinstance(v, str) for v in raw_kinds.values())):
        body._bad("kinds", _l("Expected an object of kind: frequency."))
    if quiet is not None and not (isinstance(quiet, dict) and set(quiet) <= {"start", "end"}
                                  and all(isinstance(v, str) for v in quiet.values())):
        body._bad("quiet_hours", _l("Expected {\"start\": \"HH:MM\", \"end\": \"HH:MM\"} or null."))
    body.done()
    current = preferences.preferences(db.session, user.id)
    start, end = current.quiet_start, current.quiet_end
    if has_quiet:
        start = preferences.parse_clock((quiet or {}).get("start"), "quiet_hours", errors)
        end = preferences.parse_clock((quiet or {}).get("end"), "quiet_hours", errors)
        if quiet is not None and (start is None or end is None) and not errors:
            errors["quiet_hours"] = _l("Give both the start and the end.")
    if errors:
        raise Invalid(errors=errors)
    preferences.save_preferences(db.session, user, frequencies=raw_kinds or {}, timezone_name=timezone_name,
                                 quiet_start=start, quiet_end=end, auto_follow=auto_follow, by=user)
    return _settings_json(user.id)


def _follow_json(target_type: str, target_id: int, name: str) -> dict:
    return {"type": target_type, "id": target_id, "name": name}


@bp.get("/follows")
def list_follows():
    user = require_login()
    found = follows.following(db.session, user.id)
    return {"items": [_follow_json(t, i, n) for t in follows.TARGETS for i, n in found[t]]}


@bp.post("/follows")
def add_follow():
    """Follow ``{"type": "question"|"tag"|"user", "id": n}`` (a tag also by ``"name"``)."""
    user = require_login()
    body = json_body()
    target_type = body.string("type")
    target_id = body.integer("id", minimum=1, maximum=MAX_ID)
    name = body.string("name")
    body.done()
    if target_type == "tag" and target_id is None and name:
        target_id = follows.tag_ids_by_name(db.session, [name.strip().lower()]).get(name.strip().lower())
        if target_id is None:
            raise Invalid(errors={"name": _l("Unknown tag: %(t)s", t=name[:40])})
    if target_id is None:
        raise Invalid(errors={"id": _l("Say what to follow.")})
    follows.follow(db.session, user, target_type or "", target_id, by=user)
    return {"type": target_type, "id": target_id, "following": True}, 201


@bp.delete("/follows/<target_type>/<id:target_id>")
def remove_follow(target_type: str, target_id: int):
    user = require_login()
    follows.unfollow(db.session, user, target_type, target_id, by=user)
    return "", 204


_FREQ = {"type": "string", "enum": ["instant", "daily", "weekly", "off"]}
COMPONENTS["schemas"].setdefault("Notification", obj({
    "id": {**INT, "description": "Monotonic: resume with ?after=<the last id seen>."},
    "kind": {**STR, "description": "routed, escalated, answer, comment, accepted, mention, followed, "
                                   "tag_question, user_post, badge, points, and the kinds other domains add."},
    "subject_type": {**nullable(STR), "description": "question, article, badge ..."},
    "subject_id": nullable(INT), "question_id": nullable(INT),
    "title": {**nullable(STR), "description": "The subject's title now; null when the reader may no longer see it."},
    "url": nullable(STR), "gone": {**BOOL, "description": "The subject was deleted."},
    "text": {**STR, "description": "What happened, in the reader's language (the request's; on the socket, "
                                   "the user's own)."},
    "actor": nullable(obj({"id": INT, "name": nullable(STR)})),
    "delivery": {"type": "string", "enum": ["instant", "quiet", "daily", "weekly"],
                 "description": "instant: pop up; quiet: arrived in quiet hours; daily/weekly: also mailed in a digest."},
    "reasons": {"type": "array", "items": {"type": "object"}}, "rank": nullable(INT),
    "created_at": TIME, "read": BOOL, "resolved": {**BOOL, "description": "Settled: no action is waiting."}}))
COMPONENTS["schemas"].setdefault("NotificationList", obj({
    "items": {"type": "array", "items": ref("Notification")}, "after": INT, "has_more": BOOL, "unread": INT}))
COMPONENTS["schemas"].setdefault("MarkRead", obj({"up_to": INT}, required=[], additionalProperties=False))
COMPONENTS["schemas"].setdefault("MarkReadResult", obj({"marked": INT, "unread": INT}))
_QUIET = nullable(obj({"start": STR, "end": STR}))
COMPONENTS["schemas"].setdefault("NotificationSettings", obj({
    "kinds": {"type": "object", "additionalProperties": _FREQ}, "timezone": STR, "quiet_hours": _QUIET,
    "auto_follow": BOOL}))
COMPONENTS["schemas"].setdefault("NotificationSettingsChange", obj({
    "kinds": {"type": "object", "additionalProperties": _FREQ}, "timezone": STR, "quiet_hours": _QUIET,
    "auto_follow": BOOL}, required=[], additionalProperties=False))
COMPONENTS["schemas"].setdefault("Follow", obj({"type": {"type": "string", "enum": list(follows.TARGETS)},
                                                "id": INT, "name": STR}))
COMPONENTS["schemas"].setdefault("FollowList", obj({"items": {"type": "array", "items": ref("Follow")}}))
COMPONENTS["schemas"].setdefault("FollowChange", obj({
    "type": {"type": "string", "enum": list(follows.TARGETS)}, "id": INT,
    "name": {**STR, "description": "A tag's name, instead of its id."}}, required=["type"], additionalProperties=False))
COMPONENTS["schemas"].setdefault("Followed", obj({"type": STR, "id": INT, "following": BOOL}))
PATHS.setdefault("/notifications", {"get": read(
    "list_notifications", "The caller's notifications with id greater than after, oldest first.",
    "NotificationList", tag="notifications", errors=(400, 401), params=[
        {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}])})
PATHS.setdefault("/notifications/read", {"post": write(
    "read_notifications", "Mark the caller's notifications read (all, or up to an id).", tag="notifications",
    body="MarkRead", ok=(200, "MarkReadResult"), errors=(401, 429))})
PATHS.setdefault("/notifications/settings", {
    "get": read("get_notification_settings", "The caller's notification settings.", "NotificationSettings",
                tag="notifications", errors=(401,)),
    "put": write("put_notification_settings", "Change the caller's notification settings (the fields given).",
                 tag="notifications", body="NotificationSettingsChange", ok=(200, "NotificationSettings"),
                 errors=(401, 403, 429))})
PATHS.setdefault("/follows", {
    "get": read("list_follows", "What the caller follows.", "FollowList", tag="notifications", errors=(401,)),
    "post": write("add_follow", "Follow a question, a tag or a user.", tag="notifications", body="FollowChange",
                  ok=(201, "Followed"), errors=(401, 403, 404, 429))})
PATHS.setdefault("/follows/{target_type}/{target_id}", {"delete": write(
    "remove_follow", "Stop following.", tag="notifications", ok=(204, None), errors=(401, 403, 422, 429), params=[
        {"name": "target_type", "in": "path", "required": True,
         "schema": {"type": "string", "enum": list(follows.TARGETS)}},
        {"name": "target_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}])})
