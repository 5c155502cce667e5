"""Pages that only read: question lists, the question page, tags, users, revisions."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from app import slots
from app.cache import render_page
from app.cache.pages import cached_page
from app.extensions import db
from app.forum import queries, viewmodels
from app.forum.routes import bp
from app.forum.routes.pages import count_view, get_answer, get_question, render_question_page
from app.forum.services.answers import require_visible_answer
from app.forum.services.common import require_visible
from app.forum.urls import canonical_slug, question_url
from app.web import paging


def _sort() -> str:
    sort = request.args.get("sort", "newest")
    return sort if sort in queries.SORTS else "newest"


@bp.get("/")
@bp.get("/questions")
@cached_page(bp)
def index():
    def build():
        page, per_page = paging()
        questions = queries.list_questions(db.session, current_user, sort=_sort(), page=page, per_page=per_page)
        return {"questions": questions, "sort": _sort(), "row_panels": _row_panels(questions),
                "popular": viewmodels.tag_directory(db.session, current_user, per_page=15).items}
    return render_page("forum/index.html", "forum.index", build, viewer=current_user, tag=None)


def _row_panels(questions) -> dict:
    """Other domains' marks on each listed question (a bounty ...), through app.slots. They are
    part of the cached block, so they must depend on the question only, not on the viewer."""
    return slots.fill_each("question.row", [q.id for q in questions.items], viewer=current_user)


def _question_seen(view_args: dict, _meta: dict) -> dict:
    count_view(view_args["question_id"], cached=True)  # a page from the cache is still a view
    return {}


@bp.get("/questions/<id:question_id>")
@bp.get("/questions/<id:question_id>/<slug>")
@cached_page(bp, on_hit=_question_seen)
def question(question_id: int, slug: str | None = None):
    page = queries.question_page(db.session, question_id, current_user)
    if slug != canonical_slug(page.question):  # one canonical address per question (titles change)
        return redirect(question_url(page.question), 301)
    count_view(question_id)
    return render_question_page(page)


@bp.get("/answers/<id:answer_id>")
def answer(answer_id: int):
    found = require_visible_answer(get_answer(answer_id), current_user)
    return redirect(question_url(found.question, _anchor=f"answer-{found.id}"), 302)


@bp.get("/tags")
@cached_page(bp)
def tags():
    def build():
        page, _ = paging()
        sort = "name" if request.args.get("sort") == "name" else "popular"
        search = request.args.get("q", "")[:35]
        found = viewmodels.tag_directory(db.session, current_user, search=search, sort=sort, page=page)
        return {"tags": found, "sort": sort, "search": search}
    return render_page("forum/tags.html", "forum.tags", build, viewer=current_user)


@bp.get("/tags/<name>")
@cached_page(bp)
def tag(name: str):
    found = viewmodels.find_tag(db.session, name, current_user)
    if found.name != name:  # 'Credit Card' and full-width forms lead to the one tag page
        kept = {k: v for k, v in request.args.items() if k in ("sort", "page")}  # never _external & co.
        return redirect(url_for("forum.tag", name=found.name, **kept), 301)
    def build():
        page, per_page = paging()
        questions = queries.list_questions(db.session, current_user, sort=_sort(), tag=found.name, page=page,
                                           per_page=per_page)
        return {"questions": questions, "sort": _sort(), "popular": [], "row_panels": _row_panels(questions)}
    return render_page("forum/index.html", "forum.tag", build, viewer=current_user, tag=found)


@bp.get("/users/<id:user_id>")
@cached_page(bp)
def user(user_id: int):
    qpage, _ = paging(arg="qpage")
    apage, _ = paging(arg="apage")
    profile = viewmodels.user_profile(db.session, user_id, current_user, qpage=qpage, apage=apage)
    facts = slots.fill("user.facts", profile=profile, viewer=current_user)
    sections = slots.fill("user.sections", profile=profile, viewer=current_user)
    return render_template("forum/user.html", profile=profile, facts=facts, sections=sections)


@bp.get("/questions/<id:question_id>/revisions")
def question_revisions(question_id: int):
    post = require_visible(get_question(question_id), current_user)
    history = viewmodels.revision_history(db.session, post)
    return render_template("forum/revisions.html", post=post, question=post, history=history)


@bp.get("/answers/<id:answer_id>/revisions")
def answer_revisions(answer_id: int):
    post = require_visible_answer(get_answer(answer_id), current_user)
    history = viewmodels.revision_history(db.session, post)
    return render_template("forum/revisions.html", post=post, question=post.question, history=history)
