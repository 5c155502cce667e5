"""Answering, editing answers and accepting."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import privileges, signals
from app.accounts.models import User
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.forum import access
from app.forum.models import Answer, Question
from app.forum.services.common import add_revision, clean_body, require_user, require_visible
from app.markup import render_markdown


def post_answer(session: Session, question: Question, *, body: str, by: User) -> Answer:
    """Answer an open question; sends ``answer_posted``. Conflict when the question is closed."""
    by = require_user(by)
    require_visible(question, by)
    if question.is_deleted:
        raise Conflict(_l("This question was deleted."))
    if question.is_closed:
        raise Conflict(_l("This question is closed and takes no new answers."))
    errors: dict = {}
    body = clean_body(body, errors)
    if errors:
        raise Invalid(errors=errors)
    answer = Answer(question=question, body_md=body, body_html=render_markdown(body), author=by)
    session.add(answer)
    question.answer_count = Question.answer_count + 1
    question.last_activity_at = utcnow()
    session.flush()
    session.refresh(question, ["answer_count"])
    add_revision(session, answer, by, "")
    signals.answer_posted.send(answer, by=by)
    return answer


def require_visible_answer(answer: Answer | None, user: User | None) -> Answer:
    if answer is None or not access.can_view(answer.question, user):
        raise NotFound(_l("No such answer."))
    if answer.is_deleted and not (access.can_moderate(user) or access.can_edit(answer, user)):
        raise NotFound(_l("No such answer."))
    return answer


def edit_answer(session: Session, answer: Answer, *, body: str, by: User, comment: str = "") -> Answer:
    by = require_user(by)
    require_visible_answer(answer, by)
    if not access.can_edit(answer, by):
        privileges.require(by, privileges.EDIT_OTHERS)
    errors: dict = {}
    body = clean_body(body, errors)
    if errors:
        raise Invalid(errors=errors)
    if body == answer.body_md:
        return answer
    answer.body_md, answer.body_html = body, render_markdown(body)
    answer.updated_at = answer.question.last_activity_at = utcnow()
    session.flush()
    revision = add_revision(session, answer, by, comment)
    signals.answer_edited.send(answer, by=by, revision=revision)
    return answer


def _lock_question(session: Session, question: Question) -> None:
    """Serialise concurrent accepts on one question and re-read its accepted answer, so
    ``previous`` in the signals is always the answer really replaced (PostgreSQL row lock;
    SQLite requests hold the write lock already)."""
    session.execute(select(Question.id).where(Question.id == question.id).with_for_update(key_share=True))
    session.refresh(question, ["accepted_answer_id"])


def accept_answer(session: Session, answer: Answer, *, by: User) -> Question:
    """Mark ``answer`` accepted, replacing any other; no-op when it already is.

    Sends ``answer_unaccepted`` for the replaced answer, then ``answer_accepted``.
    """
    by = require_user(by)
    require_visible_answer(answer, by)
    question = answer.question
    if not access.can_accept(question, by):
        raise Forbidden(_l("Only the asker or a moderator can accept an answer."))
    if answer.is_deleted:
        raise Conflict(_l("A deleted answer cannot be accepted."))
    _lock_question(session, question)
    if question.accepted_answer_id == answer.id:
        return question
    previous = session.get(Answer, question.accepted_answer_id) if question.accepted_answer_id else None
    if previous is not None:
        signals.answer_unaccepted.send(previous, by=by)
    question.accepted_answer_id = answer.id
    question.last_activity_at = utcnow()
    session.flush()
    signals.answer_accepted.send(answer, by=by, previous=previous)
    return question


def unaccept_answer(session: Session, answer: Answer, *, by: User) -> Question:
    """Withdraw acceptance of ``answer``; no-op when it is not the accepted one."""
    by = require_user(by)
    require_visible_answer(answer, by)
    question = answer.question
    if not access.can_accept(question, by):
        raise Forbidden(_l("Only the asker or a moderator can un-accept an answer."))
    _lock_question(session, question)
    if question.accepted_answer_id != answer.id:
        return question
    question.accepted_answer_id = None
    session.flush()
    signals.answer_unaccepted.send(answer, by=by)
    return question
