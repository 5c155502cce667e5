"""One-click actions: vote, accept, close/reopen/duplicate, delete/undelete, language.

Each posts a small form, calls one service and redirects back (303) with a flash
message. The JavaScript enhancement calls the JSON API instead, but these posts must and
do work on their own.
"""
from __future__ import annotations

from flask import current_app, session
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import services as accounts
from app.errors import Invalid
from app.extensions import db
from app.forum import access, services
from app.forum.forms import CloseForm, DuplicateForm, LanguageForm, VoteForm, parse_question_ref
from app.forum.models import Question
from app.forum.routes import bp
from app.forum.routes.pages import (get_answer, get_comment, get_post, get_question, post_anchor, question_of,
                                    rerender_question)
from app.forum.urls import question_url
from app.web import finish, login_required, redirect_back


def _back_to(post) -> str:
    return question_url(question_of(post), _anchor=post_anchor(post))


@bp.post("/questions/<id:question_id>/vote", defaults={"answer_id": None})
@bp.post("/answers/<id:answer_id>/vote", defaults={"question_id": None})
@login_required
def vote(question_id: int | None, answer_id: int | None):
    post = get_post(question_id, answer_id)
    form = VoteForm()
    if not form.validate():
        raise Invalid(errors={name: msgs[0] for name, msgs in form.errors.items()})
    value = form.value.data
    message = _("Your vote was withdrawn.") if value == 0 else _("Thank you, your vote was recorded.")
    return finish(lambda: services.set_vote(db.session, post, value, by=current_user), message, _back_to(post))


@bp.post("/answers/<id:answer_id>/accept")
@login_required
def accept(answer_id: int):
    answer = get_answer(answer_id)
    return finish(lambda: services.accept_answer(db.session, answer, by=current_user),
                  _("The answer is now marked as accepted."), _back_to(answer))


@bp.post("/answers/<id:answer_id>/unaccept")
@login_required
def unaccept(answer_id: int):
    answer = get_answer(answer_id)
    return finish(lambda: services.unaccept_answer(db.session, answer, by=current_user),
                  _("The answer is no longer marked as accepted."), _back_to(answer))


@bp.post("/questions/<id:question_id>/close")
@login_required
def close(question_id: int):
    question, form = get_question(question_id), CloseForm()
    return finish(lambda: services.close_question(db.session, question, reason=form.reason.data or "",
                                                  note=form.note.data or "", by=current_user),
                  _("The question is closed."), _back_to(question),
                  on_invalid=lambda err: rerender_question(question, err, form, close_form=form,
                                                           error_anchor="moderation"))


@bp.post("/questions/<id:question_id>/reopen")
@login_required
def reopen(question_id: int):
    question = get_question(question_id)
    return finish(lambda: services.reopen_question(db.session, question, by=current_user),
                  _("The question is open again."), _back_to(question))


def _original(question_id: int | None) -> Question:
    """The question named as the original, as a field error when it is missing or hidden
    (a typo deserves a message next to the field, not a 404 page)."""
    original = db.session.get(Question, question_id) if question_id else None
    if original is None or original.is_deleted or not access.can_view(original, current_user):
        raise Invalid(errors={"duplicate_of": _("There is no question with this number or link.")})
    return original


@bp.post("/questions/<id:question_id>/duplicate")
@login_required
def mark_duplicate(question_id: int):
    question, form = get_question(question_id), DuplicateForm()
    original_id = parse_question_ref(form.duplicate_of.data)
    return finish(lambda: services.mark_duplicate(db.session, question, _original(original_id), by=current_user),
                  _("The question is closed as a duplicate."), _back_to(question),
                  on_invalid=lambda err: rerender_question(question, err, form, duplicate_form=form,
                                                           error_anchor="moderation"))


@bp.post("/questions/<id:question_id>/delete", defaults={"answer_id": None})
@bp.post("/answers/<id:answer_id>/delete", defaults={"question_id": None})
@login_required
def delete(question_id: int | None, answer_id: int | None):
    post = get_post(question_id, answer_id)
    message = _("The question was deleted. You can still undelete it.") if answer_id is None else \
        _("The answer was deleted. You can still undelete it.")
    return finish(lambda: services.delete_post(db.session, post, by=current_user), message, _back_to(post))


@bp.post("/questions/<id:question_id>/undelete", defaults={"answer_id": None})
@bp.post("/answers/<id:answer_id>/undelete", defaults={"question_id": None})
@login_required
def undelete(question_id: int | None, answer_id: int | None):
    post = get_post(question_id, answer_id)
    return finish(lambda: services.undelete_post(db.session, post, by=current_user),
                  _("The post is visible again."), _back_to(post))


@bp.post("/comments/<id:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    comment = get_comment(comment_id)
    parent = get_post(comment.question_id, comment.answer_id)
    return finish(lambda: services.delete_comment(db.session, comment, by=current_user),
                  _("The comment was deleted."), _back_to(parent))


@bp.post("/language")
def set_language():
    """The header's language switcher: remembered in the session, and in the account setting
    of a logged-in user so that every device follows."""
    locale = LanguageForm().locale.data
    languages = current_app.config["LANGUAGES"]
    if locale not in languages:
        raise Invalid(errors={"locale": _("Unknown language.")})
    session["locale"] = locale
    if current_user.is_authenticated:
        accounts.update_settings(current_user, display_name=current_user.display_name, locale=locale,
                                 languages=languages)
    return redirect_back("/")
