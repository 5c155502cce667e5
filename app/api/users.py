"""/users and /tags: profiles, a user's answers, and tags with visible question counts."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.api import bp
from app.api.badges import user_badges_json
from app.api.common import found, page_json, paging, require_login, viewer
from app.api.serializers import iso, me_json, tag_json, user_brief, user_json
from app.extensions import db
from app.forum import queries
from app.markup import normalize_tag
from app.points.queries import visible_total


@bp.get("/users/me")
def get_me():
    user = require_login()
    return me_json(user, badges=user_badges_json(user.id))


@bp.get("/users/<id:user_id>")
def get_user(user_id: int):
    user = found(db.session.get(User, user_id), _l("No such user."))
    return user_json(user, points=visible_total(db.session, user, viewer()), badges=user_badges_json(user.id))


@bp.get("/users/<id:user_id>/answers")
def list_user_answers(user_id: int):
    """The user's live answers on questions the caller may see, best first."""
    found(db.session.get(User, user_id), _l("No such user."))
    page, per_page = paging()
    result = queries.list_answers_by(db.session, viewer(), user_id, page=page, per_page=per_page)
    return page_json(result, lambda a: {
        "id": a.id, "question_id": a.question_id, "question_title": a.question.title,
        "author": user_brief(a.author), "score": a.score, "is_accepted": a.is_accepted,
        "created_at": iso(a.created_at), "source_url": a.source_url, "source_author": a.source_author})


@bp.get("/tags")
def list_tags():
    page, per_page = paging()
    prefix = normalize_tag(request.args.get("q", ""))[:35]
    return page_json(queries.visible_tags(db.session, viewer(), prefix=prefix, page=page, per_page=per_page),
                     tag_json)
