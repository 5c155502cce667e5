"""Forms that take text: ask, answer, comment, edit. On a rule broken (Invalid) each
re-renders its form with what was typed and the messages next to the fields, status 422."""
from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app import privileges
from app.errors import Invalid
from app.extensions import db
from app.forum import access, services, viewmodels
from app.forum.forms import AnswerForm, AskForm, CommentForm, EditAnswerForm, EditQuestionForm
from app.forum.models import Question, Visibility
from app.forum.routes import bp
from app.forum.services.answers import require_visible_answer
from app.forum.services.common import require_visible
from app.forum.routes.pages import get_answer, get_post, get_question, question_of, rerender_question
from app.forum.urls import question_url
from app.web import login_required, redirect_back, render_form_error


def _prepare(form: AskForm, current: Question | None = None) -> AskForm:
    """Choices the acting user may pick (plus the question's current ones, so an edit shows them)."""
    visibilities = access.allowed_visibilities(current_user)
    teams = viewmodels.team_choices(db.session, current_user)
    if current is not None:
        if current.visibility not in visibilities:
            visibilities = [*visibilities, current.visibility]
        if current.team is not None and current.team.id not in {t for t, _ in teams}:
            teams = [*teams, (current.team.id, current.team.name)]
    form.set_choices(visibilities, teams)
    form.apply_limits()
    return form


@bp.route("/questions/ask", methods=["GET", "POST"])
@login_required
def ask():
    form = _prepare(AskForm())
    if request.method == "GET":
        form.tags.data = request.args.get("tags", "")[:200]
        form.visibility.data = (Visibility.internal.value if current_user.is_staff else Visibility.public.value)
        return render_template("forum/ask.html", form=form)
    try:
        question = services.ask_question(
            db.session, title=form.title.data, body=form.body.data, tags=form.tags.data, by=current_user,
            visibility=form.visibility.data, team=form.team.data or None)
    except Invalid as err:
        return render_form_error("forum/ask.html", form, err)
    flash(_("Your question was posted. Experts who know the topic can now answer it."), "success")
    return redirect(question_url(question), 303)


@bp.route("/questions/<id:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(question_id: int):
    question = require_visible(get_question(question_id), current_user)
    if not access.can_edit(question, current_user):
        # Others may retag (and, with more points, edit): the service decides what was changed.
        privileges.require(current_user, privileges.RETAG)
    current = {"title": question.title, "body": question.body_md, "tags": " ".join(question.tag_names),
               "visibility": question.visibility, "team": str(question.team_id or "")}
    form = _prepare(EditQuestionForm(data=current if request.method == "GET" else None), question)
    if request.method == "GET":
        return render_template("forum/edit_question.html", form=form, question=question)
    scope = (form.visibility.data, form.team.data or None)
    if scope == (question.visibility, str(question.team_id) if question.team_id else None):
        scope = (None, None)  # unchanged: do not re-check a team the editor is not in
    try:
        services.edit_question(db.session, question, by=current_user, title=form.title.data,
                               body=form.body.data, tags=form.tags.data, visibility=scope[0], team=scope[1],
                               comment=form.comment.data or "")
    except (Invalid, privileges.PrivilegeRequired) as err:
        return render_form_error("forum/edit_question.html", form, err, question=question)
    flash(_("Your edit was saved as a new revision."), "success")
    return redirect(question_url(question), 303)


@bp.route("/answers/<id:answer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_answer(answer_id: int):
    answer = require_visible_answer(get_answer(answer_id), current_user)
    if not access.can_edit(answer, current_user):
        privileges.require(current_user, privileges.EDIT_OTHERS)
    form = EditAnswerForm(data={"body": answer.body_md} if request.method == "GET" else None)
    if request.method == "GET":
        return render_template("forum/edit_answer.html", form=form, answer=answer)
    try:
        services.edit_answer(db.session, answer, body=form.body.data, by=current_user,
                             comment=form.comment.data or "")
    except (Invalid, privileges.PrivilegeRequired) as err:
        return render_form_error("forum/edit_answer.html", form, err, answer=answer)
    flash(_("Your edit was saved as a new revision."), "success")
    return redirect(question_url(answer.question, _anchor=f"answer-{answer.id}"), 303)


@bp.post("/questions/<id:question_id>/answers")
@login_required
def post_answer(question_id: int):
    question = get_question(question_id)
    form = AnswerForm()
    try:
        answer = services.post_answer(db.session, question, body=form.body.data, by=current_user)
    except Invalid as err:
        return rerender_question(question, err, form, answer_form=form, error_anchor="your-answer")
    flash(_("Your answer was posted. Thank you for sharing what you know."), "success")
    return redirect(question_url(question, _anchor=f"answer-{answer.id}"), 303)


@bp.post("/questions/<id:question_id>/comments", defaults={"answer_id": None})
@bp.post("/answers/<id:answer_id>/comments", defaults={"question_id": None})
@login_required
def post_comment(question_id: int | None, answer_id: int | None):
    post = get_post(question_id, answer_id)
    form = CommentForm()
    try:
        comment = services.post_comment(db.session, post, body=form.body.data, by=current_user)
    except (Invalid, privileges.PrivilegeRequired) as err:
        if isinstance(err, privileges.PrivilegeRequired):
            # Next to the comment box, which keeps what was typed.
            err = Invalid(errors={"body": err.detail})
        target = ("q", post.id) if answer_id is None else ("a", post.id)
        return rerender_question(question_of(post), err, form, comment_form=form, comment_target=target,
                                 error_anchor=f"comment-{target[0]}-{post.id}")
    flash(_("Your comment was added."), "success")
    return redirect_back(question_url(question_of(post), _anchor=f"comment-{comment.id}"))
