"""/answers (and posting one under /questions/<id>/answers): read, answer, edit, delete,
accept / un-accept, vote, comment, revisions."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.api import bp
from app.api.common import created, found, json_body, require_login, viewer
from app.api.questions import add_comment, cast_vote, detail, load_question, revisions_page
from app.api.serializers import answer_from_page
from app.extensions import db
from app.forum import queries, services
from app.forum.models import Answer
from app.forum.services.answers import require_visible_answer


def load_answer(answer_id: int) -> Answer:
    """The answer row or NotFound; visibility is checked by the service or query that uses it."""
    return found(db.session.get(Answer, answer_id), _l("No such answer."))


def answer_detail(answer: Answer) -> dict:
    """The answer as the caller sees it on its question page (votes and comments included)."""
    page = queries.question_page(db.session, answer.question_id, viewer())
    return found(answer_from_page(page, answer.id), _l("No such answer."))


@bp.post("/questions/<id:question_id>/answers")
def post_answer(question_id: int):
    by = require_login()
    body = json_body()
    text = body.string("body")
    body.done()
    answer = services.post_answer(db.session, load_question(question_id), body=text or "", by=by)
    return created(answer_detail(answer), url_for("api.get_answer", answer_id=answer.id, _external=True))


@bp.get("/answers/<id:answer_id>")
def get_answer(answer_id: int):
    answer = require_visible_answer(db.session.get(Answer, answer_id), viewer())
    return answer_detail(answer)


@bp.patch("/answers/<id:answer_id>")
def edit_answer(answer_id: int):
    by = require_login()
    body = json_body()
    text, comment = body.string("body"), body.string("comment") or ""
    body.done()
    answer = load_answer(answer_id)
    # PATCH semantics: an absent body keeps the current text (the service requires one).
    services.edit_answer(db.session, answer, body=answer.body_md if text is None else text,
                         comment=comment, by=by)
    return answer_detail(answer)


@bp.delete("/answers/<id:answer_id>")
def delete_answer(answer_id: int):
    by = require_login()
    services.delete_post(db.session, load_answer(answer_id), by=by)
    return "", 204


@bp.post("/answers/<id:answer_id>/undelete")
def undelete_answer(answer_id: int):
    by = require_login()
    answer = load_answer(answer_id)
    services.undelete_post(db.session, answer, by=by)
    return answer_detail(answer)


@bp.post("/answers/<id:answer_id>/accept")
def accept_answer(answer_id: int):
    by = require_login()
    question = services.accept_answer(db.session, load_answer(answer_id), by=by)
    return detail(question.id)


@bp.delete("/answers/<id:answer_id>/accept")
def unaccept_answer(answer_id: int):
    by = require_login()
    question = services.unaccept_answer(db.session, load_answer(answer_id), by=by)
    return detail(question.id)


@bp.post("/answers/<id:answer_id>/vote")
def vote_answer(answer_id: int):
    return cast_vote(load_answer, answer_id)


@bp.post("/answers/<id:answer_id>/comments")
def comment_answer(answer_id: int):
    return add_comment(load_answer, answer_id)


@bp.get("/answers/<id:answer_id>/revisions")
def answer_revisions(answer_id: int):
    answer = require_visible_answer(db.session.get(Answer, answer_id), viewer())
    return revisions_page(queries.revisions(db.session, answer))
