"""GET /api/v1/badges (the badge table with holders' counts) and GET /api/v1/users/<id>/badges
(a user's awards, newest first). Public, like the badge pages: a badge names what someone did
(and, for a tag badge, the tag), never a post."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.api import bp
from app.api.common import found, page_json, paging, viewer
from app.api.openapi import DOCUMENT, PAGING, PATHS, U, read
from app.api.openapi_schemas import BOOL, COMPONENTS, INT, STR, TIME, nullable, obj, page_of
from app.api.serializers import iso
from app.extensions import db
from app.pagination import Page
from app.points import badge_queries, badges
from app.points.badge_models import BadgeAward


def badge_json(badge: badges.Badge, holders: int = 0, awards: int = 0) -> dict:
    return {"code": badge.code, "name": str(badge.name), "description": str(badge.description),
            "class": badge.klass, "is_tag_badge": badge.is_tag_badge, "holders": holders, "awards": awards}


def award_json(award: BadgeAward, tag_shown: bool = True) -> dict:
    """``tag_shown`` False: a tag the caller may not know of (tag and tag_id null)."""
    badge = badges.BADGES[award.badge]
    shown = tag_shown and award.tag is not None
    return {"id": award.id, "code": badge.code, "name": str(badge.name), "class": badge.klass,
            "tag": award.tag.name if shown else None, "tag_id": award.tag_id if shown else None,
            "awarded_at": iso(award.awarded_at)}


def user_badges_json(user_id: int) -> list[dict]:
    """Every badge of the user, newest first (the "badges" of GET /users/<id>), as the caller
    may see them."""
    awards = [a for a in badge_queries.user_awards(db.session, user_id) if a.badge in badges.BADGES]
    shown = badge_queries.shown_tags(db.session, viewer(), awards)
    return [award_json(a, a.tag_id in shown) for a in awards]


def _slice(items: list, page: int, per_page: int) -> Page:
    return Page(items=items[(page - 1) * per_page:page * per_page], total=len(items), page=page, per_page=per_page)


@bp.get("/badges")
def list_badges():
    page, per_page = paging()
    rows = [row for _klass, group in badge_queries.badge_table(db.session) for row in group]
    return page_json(_slice(rows, page, per_page), lambda r: badge_json(r.badge, r.holders, r.awards))


@bp.get("/users/<id:user_id>/badges")
def list_user_badges(user_id: int):
    found(db.session.get(User, user_id), _l("No such user."))
    page, per_page = paging()
    return page_json(_slice(user_badges_json(user_id), page, per_page), lambda item: item)


COMPONENTS["schemas"].setdefault("Badge", obj({
    "code": {**STR, "description": "Stable code, e.g. first_answer, tag_accepted_10."},
    "name": {**STR, "description": "In the caller's language."},
    "description": {**STR, "description": "What it is awarded for, in the caller's language."},
    "class": {"type": "string", "enum": list(badges.CLASSES)},
    "is_tag_badge": {**BOOL, "description": "Awarded once per tag."},
    "holders": {**INT, "description": "Users holding it."},
    "awards": {**INT, "description": "Awards made (a tag badge counts once per tag)."},
}))
COMPONENTS["schemas"].setdefault("UserBadge", obj({
    "id": INT,
    "code": STR,
    "name": {**STR, "description": "In the caller's language."},
    "class": {"type": "string", "enum": list(badges.CLASSES)},
    "tag": nullable({**STR, "description": "The tag of a tag badge; null also when the caller may not "
                                           "see questions in it."}),
    "tag_id": nullable(INT),
    "awarded_at": TIME,
}))
COMPONENTS["schemas"].setdefault("BadgePage", page_of("Badge"))
COMPONENTS["schemas"].setdefault("UserBadgePage", page_of("UserBadge"))
PATHS.setdefault("/badges", {
    "get": read("list_badges", "Every badge, gold first, with how many users hold it.", "BadgePage",
                tag="badges", params=PAGING, errors=(400,)),
})
PATHS.setdefault("/users/{user_id}/badges", {
    "get": read("list_user_badges", "A user's badges, newest first, with when they were earned.",
                "UserBadgePage", tag="users", params=[U, *PAGING]),
})
if not any(t["name"] == "badges" for t in DOCUMENT["tags"]):
    DOCUMENT["tags"].append({"name": "badges"})
