"""One-step actions: "was this helpful?", flag it, resolve a flag, promote an answer (the form,
then the draft), answer a question with an existing article (reuse)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from app.forum.models import Answer
from app.forum.queries import question_page
from app.forum.routes.pages import get_answer, get_question, render_question_page
from app.forum.services.answers import require_visible_answer
from app.forum.urls import question_url
from app.kb import access
from app.kb import related
from app.kb.forms import (SECTION_LABELS, FeedbackForm, FlagForm, PromoteForm, ResolveFlagForm, ReuseForm,
                          TransitionForm, answer_refs, article_ref, options)
from app.kb.models import SECTIONS, Article, ArticleFlag, ReuseLink
from app.kb.routes import bp
from app.kb.urls import article_url
from app.kb.routes.read import article_view
from app.kb.routes.support import address_key, load, me, visitor_key
from app.kb.services import common, feedback, promote
from app.web import copy_errors, finish, login_required


def _article_url(article, anchor: str | None = None) -> str:
    return article_url(article, _anchor=anchor)


@bp.post("/articles/<id:article_id>/feedback")
def vote(article_id: int):
    """Anonymous readers may vote too (public articles); see services.feedback."""
    article = load(article_id)
    form = FeedbackForm()
    helpful = {"yes": True, "no": False}.get(form.helpful.data or "")
    feedback.record_feedback(db.session, article, helpful=helpful, comment=form.comment.data or "", by=me(),
                             visitor_key=visitor_key(), address_key=address_key())
    flash(_("Thank you. Your answer helps us keep this article useful."), "success")
    return redirect(_article_url(article, "helpful"), 303)


@bp.post("/articles/<id:article_id>/flags")
@login_required
def flag(article_id: int):
    article = load(article_id)
    form = FlagForm()
    return finish(lambda: feedback.flag_article(db.session, article, reason=form.reason.data,
                                                comment=form.comment.data or "", by=me()),
                  _("Thank you. The article's owner will look at it."), _article_url(article),
                  on_invalid=lambda err: _flag_refused(article, form, err))


def _flag_refused(article, form, err: Invalid):
    db.session.rollback()
    copy_errors(form, err.errors)
    page = article_view(article.id)
    related.fill(page, me())
    return render_template("kb/article.html", page=page, sections=SECTIONS, section_labels=SECTION_LABELS,
                           feedback_form=FeedbackForm(formdata=None), flag_form=form,
                           move_form=TransitionForm(formdata=None), flag_open=True), 422


@bp.post("/flags/<id:flag_id>/resolve")
@login_required
def resolve(flag_id: int):
    found = db.session.get(ArticleFlag, flag_id)
    form = ResolveFlagForm()
    article_id = found.article_id if found else None
    default = url_for(".article", article_id=article_id) if article_id else url_for(".queue")
    return finish(lambda: feedback.resolve_flag(db.session, found, by=me(), note=form.note.data or ""),
                  _("The flag is resolved."), default)


# --- promotion ----------------------------------------------------------------------------------------

def _promote_page(answer: Answer, form: PromoteForm, status: int = 200):
    others = [a for a in db.session.scalars(select(Answer).where(Answer.question_id == answer.question_id,
                                                                 Answer.id != answer.id,
                                                                 Answer.deleted_at.is_(None)))]
    form.answers.choices = options((a.id, a.author_name) for a in others)
    existing = promote.existing_article_of(db.session, answer.id)
    return render_template("kb/promote.html", form=form, answer=answer, question=answer.question, others=others,
                           existing=existing), status


@bp.get("/answers/<id:answer_id>/promote")
@login_required
def promote_form(answer_id: int):
    answer = require_visible_answer(get_answer(answer_id), me())
    refusal = access.promote_refusal(me(), accepted=answer.is_accepted)
    if refusal is not None:
        raise Forbidden(refusal)
    form = PromoteForm(formdata=None, title=answer.question.title)
    return _promote_page(answer, form)


@bp.post("/answers/<id:answer_id>/promote")
@login_required
def promote_answer(answer_id: int):
    answer = get_answer(answer_id)
    form = PromoteForm()
    try:
        if form.mode.data == "existing":
            target = article_ref(form.article.data)
            if target is None:
                raise Invalid(errors={"article": _l("Type the article's number or address.")})
            article = promote.add_answer_to_article(db.session, answer, common.require_visible(load(target), me()),
                                                    by=me())
            flash(_("The answer was added to the article as a new version."), "success")
        else:
            more = answer_refs(form.more.data)
            if more is None:
                raise Invalid(errors={"more": _l("Type answer numbers or links separated by commas.")})
            article = promote.promote_answers(db.session, answer, by=me(), title=form.title.data,
                                              more_answer_ids=[*(form.answers.data or []), *more])
            flash(_("A draft article was made from the answer. Check it, place it in categories and publish it."),
                  "success")
    except promote.AlreadyPromoted as err:
        db.session.rollback()
        existing = load(err.article_id)
        return render_template("kb/already_promoted.html", article=existing, answer=answer,
                               title=common.head(db.session, existing).title if access.can_see(existing, me())
                               else None), 409
    except Invalid as err:
        db.session.rollback()
        copy_errors(form, err.errors)
        if not err.errors:
            form.form_errors.append(str(err.detail))
        return _promote_page(answer, form, 422)
    return redirect(url_for(".edit", article_id=article.id), 303)


# --- reuse ------------------------------------------------------------------------------------------------

@bp.post("/questions/<id:question_id>/articles")
@login_required
def link(question_id: int):
    question = get_question(question_id)
    form = ReuseForm()
    target = article_ref(form.article.data)
    try:
        if target is None:
            raise Invalid(errors={"article": _l("Type the article's number or address.")})
        feedback.link_article(db.session, question, db.session.get(Article, target), by=me())
    except Invalid as err:
        db.session.rollback()
        copy_errors(form, err.errors)
        page = question_page(db.session, question.id, me())
        return render_question_page(page, 422, slot_forms={"kb_reuse": form}, error_anchor="kb-reuse")
    except Conflict as err:  # linked already (another tab): say so where they were
        db.session.rollback()
        flash(str(err.detail), "error")
        return redirect(question_url(question, _anchor="kb-answered"), 303)
    flash(_("The article now answers this question. Thank you for reusing it."), "success")
    return redirect(question_url(question, _anchor="kb-answered"), 303)


@bp.post("/reuse/<id:link_id>/delete")
@login_required
def unlink(link_id: int):
    found = db.session.get(ReuseLink, link_id)
    back = question_url(get_question(found.question_id)) if found else url_for(".home")
    return finish(lambda: feedback.unlink_article(db.session, found, by=me()),
                  _("The article is no longer linked to the question."), back)
