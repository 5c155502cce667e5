"""/questions: list, read, ask, edit, delete, close, reopen, vote, comment, revisions.

Each write route: authenticate (401 first, so nothing about hidden posts leaks to an
anonymous caller), parse, call one service, serialize (the unit of work commits).
"""
from __future__ import annotations

from flask import request, url_for
from flask_babel import lazy_gettext as _l

from app.accounts.services import find_user
from app.api import bp
from app.api.common import (MAX_ID, choice_arg, created, found, int_arg, json_body, page_json, paging,
                            require_login, viewer)
from app.api.serializers import comment_json, question_detail, question_summary, revision_json
from app.cache.pages import cached_page
from app.errors import Invalid
from app.extensions import db
from app.forum import access, queries, services
from app.forum.models import Question
from app.forum.services.common import require_visible
from app.markup import normalize_tag
from app.pagination import Page

LIST_SORTS = ("newest", "active", "unanswered", "score")


def load_question(question_id: int) -> Question:
    """The question row or NotFound; visibility is checked by the service or query that uses it."""
    return found(db.session.get(Question, question_id), _l("No such question."))


def detail(question_id: int) -> dict:
    """The full question as the caller sees it (read after the write committed)."""
    return question_detail(queries.question_page(db.session, question_id, viewer()))


def _author_filter(raw: str | None) -> int | None:
    """``author=`` as a user id or a username; an unknown name matches no question (id 0)."""
    if raw is None or raw.strip() == "":
        return None
    if raw.strip().isdigit():
        return int_arg("author") if len(raw.strip()) <= 10 else 0
    user = find_user(db.session, raw)
    return user.id if user is not None else 0


@bp.get("/questions")
@cached_page(bp, mimetype="application/json")
def list_questions():
    page, per_page = paging()
    sort = choice_arg("sort", LIST_SORTS, "newest")
    tag = normalize_tag(request.args.get("tag", "")) or None
    result = queries.list_questions(db.session, viewer(), sort=sort, tag=tag,
                                    author_id=_author_filter(request.args.get("author")),
                                    page=page, per_page=per_page)
    return page_json(result, question_summary)


@bp.post("/questions")
def ask_question():
    by = require_login()
    body = json_body()
    fields = dict(title=body.string("title"), body=body.string("body"), tags=body.string_list("tags"),
                  visibility=body.string("visibility"), team=body.id_or_slug("team"))
    body.done()
    question = services.ask_question(db.session, by=by, **fields)
    return created(detail(question.id), url_for("api.get_question", question_id=question.id, _external=True))


@bp.get("/questions/<id:question_id>")
def get_question(question_id: int):
    return detail(question_id)


@bp.patch("/questions/<id:question_id>")
def edit_question(question_id: int):
    by = require_login()
    body = json_body()
    fields = dict(title=body.string("title"), body=body.string("body"), tags=body.string_list("tags"),
                  visibility=body.string("visibility"), team=body.id_or_slug("team"),
                  comment=body.string("comment") or "")
    body.done()
    services.edit_question(db.session, load_question(question_id), by=by, **fields)
    return detail(question_id)


@bp.delete("/questions/<id:question_id>")
def delete_question(question_id: int):
    by = require_login()
    services.delete_post(db.session, load_question(question_id), by=by)
    return "", 204


@bp.post("/questions/<id:question_id>/undelete")
def undelete_question(question_id: int):
    by = require_login()
    services.undelete_post(db.session, load_question(question_id), by=by)
    return detail(question_id)


@bp.post("/questions/<id:question_id>/close")
def close_question(question_id: int):
    by = require_login()
    body = json_body()
    reason, note = body.string("reason"), body.string("note") or ""
    original_id = body.integer("duplicate_of", minimum=1, maximum=MAX_ID)
    body.done()
    # Visibility first: a 422 about the target must not reveal that a hidden question exists.
    question = require_visible(db.session.get(Question, question_id), by)
    original = None
    if original_id is not None:
        # Checked here so a bad target is a 422 on the field, not a 404 for the whole call.
        original = db.session.get(Question, original_id)
        if reason != "duplicate":
            raise Invalid(errors={"duplicate_of": _l("Only a question closed as a duplicate names an original.")})
        if original is None or not access.can_view(original, by):
            raise Invalid(errors={"duplicate_of": _l("No such question.")})
    services.close_question(db.session, question, reason=reason or "", note=note, duplicate_of=original, by=by)
    return detail(question_id)


@bp.post("/questions/<id:question_id>/reopen")
def reopen_question(question_id: int):
    by = require_login()
    services.reopen_question(db.session, load_question(question_id), by=by)
    return detail(question_id)


@bp.post("/questions/<id:question_id>/vote")
def vote_question(question_id: int):
    return cast_vote(load_question, question_id)


def cast_vote(loader, post_id: int) -> dict:
    """Shared by question and answer votes: {"value": 1|-1|0} -> {"score", "my_vote"}."""
    by = require_login()
    body = json_body()
    value = body.integer("value")
    body.done()
    score, my_vote = services.set_vote(db.session, loader(post_id), value, by=by)
    return {"score": score, "my_vote": my_vote}


@bp.post("/questions/<id:question_id>/comments")
def comment_question(question_id: int):
    return add_comment(load_question, question_id)


def add_comment(loader, post_id: int):
    """Shared by question and answer comments: {"body"} -> 201, the comment."""
    by = require_login()
    body = json_body()
    text = body.string("body")
    body.done()
    comment = services.post_comment(db.session, loader(post_id), body=text or "", by=by)
    return created(comment_json(comment), url_for("api.get_comment", comment_id=comment.id, _external=True))


@bp.get("/questions/<id:question_id>/revisions")
def question_revisions(question_id: int):
    question = require_visible(db.session.get(Question, question_id), viewer())
    return revisions_page(queries.revisions(db.session, question))


def revisions_page(rows: list) -> dict:
    """Revisions (newest first) in the list envelope; a post has few, so slicing in memory is fine."""
    page, per_page = paging()
    start = (page - 1) * per_page
    return page_json(Page(items=rows[start:start + per_page], total=len(rows), page=page,
                          per_page=per_page), revision_json)
