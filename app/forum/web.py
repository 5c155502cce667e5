"""Helpers shared by the forum's HTML views, so each view stays a thin
parse -> one service -> commit -> render/redirect sequence."""
from __future__ import annotations

import functools
import logging

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from app.db import intend_write
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.forum import queries, services
from app.forum.forms import AnswerForm, CloseForm, DuplicateForm, copy_errors
from app.forum.models import Answer, Comment, Question
from app.forum.services.moderation import CLOSE_REASONS
from app.urls import redirect_back, safe_next, safe_referrer

log = logging.getLogger(__name__)
_VIEWED_KEY, _VIEWED_KEEP = "viewed_questions", 50


def login_required(view):
    """Send anonymous visitors to the login page, then back here (or, after a POST, to the
    page the form was on: a POST-only URL cannot be reached by the redirect after login)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated:
            return view(*args, **kwargs)
        if request.method == "GET":
            back = request.full_path.rstrip("?")
        else:
            back = safe_next(request.form.get("next"), safe_referrer("/"))
        flash(_("Please log in to continue."), "info")
        return redirect(url_for("accounts.login", next=back), 303)
    return wrapper


# Sub-pages of /questions/<id>/ that a GET can reach: a question whose slug is one of these
# words is addressed without its slug, or its canonical URL would open the sub-page.
RESERVED_SLUGS = frozenset({"edit", "revisions", "answers", "comments", "vote", "close", "reopen",
                            "duplicate", "delete", "undelete"})


def canonical_slug(question: Question) -> str | None:
    return None if question.slug in RESERVED_SLUGS else question.slug


def question_url(question: Question, **kwargs) -> str:
    """The canonical address of a question (templates use it as ``question_url``)."""
    return url_for("forum.question", question_id=question.id, slug=canonical_slug(question), **kwargs)


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


def render_question_page(page: queries.QuestionPage, status: int = 200, **forms):
    """The question page; ``forms`` override the empty answer/close/duplicate/comment forms,
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
    return render_template("forum/question.html", page=page, close_reasons=CLOSE_REASONS, **context), status


def _refuse(form, err: Invalid) -> None:
    """Undo the request's writes and put the service's messages on the form."""
    db.session.rollback()
    copy_errors(form, err.errors)
    if not err.errors:
        form.form_errors.append(str(err.detail))


def rerender_question(question: Question, err: Invalid, form, **extra):
    """After a rejected POST on the question page: show the page again, status 422."""
    _refuse(form, err)
    page = queries.question_page(db.session, question.id, current_user)
    return render_question_page(page, 422, **extra)


def render_form_error(template: str, form, err: Invalid, **context):
    """After a rejected POST on a form page: the same form with what was typed, status 422."""
    _refuse(form, err)
    return render_template(template, form=form, **context), 422


def finish(action, message, default_url: str, on_invalid=None):
    """Run ``action()`` (one service call), commit, flash ``message`` and go back.

    A Conflict (already closed, deleted meanwhile ...) is not a failure the user must be
    taken away for: it is rolled back and shown as a message on the page they came from.
    ``on_invalid(err)`` renders a rejected form; without it Invalid goes to the error page.
    """
    try:
        action()
    except Conflict as err:
        db.session.rollback()
        flash(str(err.detail), "error")
        return redirect_back(default_url)
    except Invalid as err:
        if on_invalid is None:
            raise
        return on_invalid(err)
    db.session.commit()
    flash(message, "success")
    return redirect_back(default_url)


def count_view(question_id: int) -> None:
    """Count a question view in its own short write transaction, after the page was read.

    The read transaction is closed first so the page never holds SQLite's write lock while
    rendering; a view already counted in this browser session is not counted again; and a
    failed count is logged, never shown, because it must not cost the user the page.
    """
    db.session.rollback()
    viewed = list(session.get(_VIEWED_KEY, []))
    if request.method != "GET" or question_id in viewed:
        return
    try:
        with intend_write():
            services.record_view(db.session, question_id)
            db.session.commit()
    except OperationalError:
        db.session.rollback()
        log.warning("view of question %s not counted", question_id, exc_info=True)
        return
    session[_VIEWED_KEY] = (viewed + [question_id])[-_VIEWED_KEEP:]


def paging(per_page_default: int | None = None, arg: str = "page") -> tuple[int, int]:
    """(page, per_page) from the query string, clamped to sane values."""
    from app.pagination import clamp_page

    config = current_app.config
    return clamp_page(request.args.get(arg), request.args.get("per_page"),
                      per_page_default or config["PER_PAGE"], config["MAX_PER_PAGE"])
