"""What the question page's views share: loading posts by id, rendering the page with the
panels other domains put in its slots, re-rendering it after a rejected form, counting views."""
from __future__ import annotations

from flask import render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import slots
from app.errors import Invalid, NotFound
from app.extensions import db
from app.forum import queries, viewcount
from app.forum.forms import AnswerForm, CloseForm, DuplicateForm
from app.forum.models import Answer, Comment, Question
from app.forum.services.moderation import CLOSE_REASONS
from app.web import refuse

_VIEWED_KEY, _VIEWED_KEEP = "viewed_questions", 50


def get_question(question_id: int) -> Question:
    """The question row; visibility is checked by the service or query that uses it."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_l("No such question."))
    return question


def get_answer(answer_id: int) -> Answer:
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        raise NotFound(_l("No such answer."))
    return answer


def get_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_l("No such comment."))
    return comment


def get_post(question_id: int | None, answer_id: int | None) -> Question | Answer:
    return get_question(question_id) if question_id is not None else get_answer(answer_id)


def question_of(post: Question | Answer) -> Question:
    return post if isinstance(post, Question) else post.question


def post_anchor(post: Question | Answer) -> str:
    return "question" if isinstance(post, Question) else f"answer-{post.id}"


def render_question_page(page: queries.QuestionPage, status: int = 200, slot_forms: dict | None = None,
                         **forms):
    """The question page with its slots filled; ``forms`` override the empty answer/close/
    duplicate/comment forms, and ``slot_forms`` hand a panel its own rejected form (by name),
    which is how a failed POST shows its typed text and messages in place."""
    context = {
        "answer_form": AnswerForm(formdata=None),
        "close_form": CloseForm(formdata=None),
        "duplicate_form": DuplicateForm(formdata=None),
        "comment_form": None,       # the failed comment form, if any
        "comment_target": None,     # ("q" | "a", id) of the post it belongs to
        "error_anchor": None,       # id of the rejected form, linked from the top of the page
    }
    context.update(forms)
    viewer = current_user
    forms_ = slot_forms or {}
    panels = {"aside": slots.fill("question.aside", page=page, viewer=viewer, forms=forms_),
              "answers": slots.fill_each("question.answer", [a.id for a in page.answers], page=page,
                                         viewer=viewer),
              "answer_form": slots.fill("question.answer_form", page=page, viewer=viewer, forms=forms_)}
    return render_template("forum/question.html", page=page, panels=panels, close_reasons=CLOSE_REASONS,
                           **context), status


def rerender_question(question: Question, err: Invalid, form, **extra):
    """After a rejected POST on the question page: show the page again, status 422."""
    refuse(form, err)
    page = queries.question_page(db.session, question.id, current_user)
    return render_question_page(page, 422, **extra)


def count_view(question_id: int, cached: bool = False) -> None:
    """Count a view of the question, once per browser session.

    The page only reads: the count is buffered and written by a background job after the
    request (``app.forum.viewcount``), so a page view never takes the write lock. ``cached``:
    the page came from the page cache (no transaction to wait for)."""
    viewed = list(session.get(_VIEWED_KEY, []))
    if request.method != "GET" or question_id in viewed:
        return
    viewcount.count(None if cached else db.session, question_id)
    session[_VIEWED_KEY] = (viewed + [question_id])[-_VIEWED_KEEP:]
