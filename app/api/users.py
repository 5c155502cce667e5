"""/users and /tags: profiles, a user's answers, and tags with visible question counts."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import desc, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.api import bp
from app.api.common import found, page_json, paging, require_login, viewer
from app.api.serializers import iso, me_json, tag_json, user_brief, user_json
from app.extensions import db
from app.forum import access, queries
from app.forum.models import Question, QuestionTag, Tag
from app.markup import normalize_tag
from app.pagination import Page


@bp.get("/users/me")
def get_me():
    return me_json(require_login())


@bp.get("/users/<id:user_id>")
def get_user(user_id: int):
    return user_json(found(db.session.get(User, user_id), _l("No such user.")))


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


def visible_tags(session: Session, user, *, prefix: str | None, page: int, per_page: int) -> Page:
    """Tags in use, counted over the questions ``user`` may see (so neither the name nor the
    count of a tag used only on hidden questions leaks); most used first.

    Rows are (name, description, count). Belongs with ``app.forum.queries``; kept here
    while that module is owned elsewhere.
    """
    count = func.count(Question.id).label("n")
    stmt = (select(Tag.name, Tag.description, count)
            .join(QuestionTag, QuestionTag.tag_id == Tag.id)
            .join(Question, Question.id == QuestionTag.question_id)
            .where(access.visible_clause(user))
            .group_by(Tag.id, Tag.name, Tag.description)
            .order_by(desc(count), Tag.name))
    if prefix:
        stmt = stmt.where(Tag.name.startswith(prefix, autoescape=True))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(rows), total=total, page=page, per_page=per_page)


@bp.get("/tags")
def list_tags():
    page, per_page = paging()
    prefix = normalize_tag(request.args.get("q", ""))[:35] or None
    return page_json(visible_tags(db.session, viewer(), prefix=prefix, page=page, per_page=per_page),
                     tag_json)
