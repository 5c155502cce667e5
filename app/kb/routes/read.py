"""Pages that only read: the KB home, categories, tags, an article (and its print view),
its versions and diffs, and the Atom feed."""
from __future__ import annotations

from flask import make_response, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from app.errors import NotFound
from app.cache import render_page
from app.cache.pages import cached_page, remember
from app.extensions import db
from app.forum.models import Tag
from app.kb import access
from app.kb import related as related_items
from app.kb.forms import FeedbackForm, FlagForm, SECTION_LABELS, TransitionForm
from app.kb.models import SECTIONS
from app.kb.queries import article as article_q
from app.kb.queries import editor as editor_q
from app.kb.queries import reader
from app.kb.routes import bp
from app.kb.urls import article_url, canonical_slug
from app.kb.routes.support import current_visitor_id, current_visitor_key, first_view, give_visitor_id, load, me
from app.kb.services import common, stats
from app.kb.services.categories import get_category
from app.markup import normalize_tag
from app.web import paging


def _sort(default: str = "popular") -> str:
    sort = request.args.get("sort", default)
    return sort if sort in reader.SORTS else default


@bp.get("/")
@cached_page(bp)
def home():
    return render_page("kb/home.html", "kb.home", lambda: {"home": reader.home(db.session, me())}, viewer=me())


@bp.get("/categories/<id:category_id>")
@bp.get("/categories/<id:category_id>/<slug>")
def category(category_id: int, slug: str | None = None):
    found = get_category(db.session, category_id)
    page, per_page = paging()
    view = reader.category_page(db.session, found, me(), sort=_sort(), page=page, per_page=per_page)
    if not view.catalog.shown(found.id, me()):  # nothing here for this reader: as if it did not exist
        raise NotFound(_l("No such category."))
    if slug != found.slug:
        return redirect(url_for(".category", category_id=found.id, slug=found.slug), 301)
    return render_template("kb/category.html", view=view)


@bp.get("/tags/<name>")
def tagged(name: str):
    found = db.session.query(Tag).filter(Tag.name == normalize_tag(name)).one_or_none()
    page, per_page = paging()
    articles = reader.tag_articles(db.session, found, me(), sort=_sort(), page=page, per_page=per_page) \
        if found else None
    if articles is None or not articles.total:
        raise NotFound(_l("No articles with this tag."))
    return render_template("kb/tag.html", tag=found, articles=articles, sort=_sort())


def article_view(article_id: int):
    number = request.args.get("version", "")
    return article_q.article_page(db.session, article_id, me(), number=int(number) if number.isdigit()
                                  and len(number) < 7 else None, visitor_key=current_visitor_key())


def _article_seen(view_args: dict, meta: dict) -> dict:
    if "_user_id" not in session:  # a login's hit: the cache checked it; asking would load the user
        give_visitor_id()
    if meta.get("readable") and first_view(view_args["article_id"]):
        stats.count_view(None, view_args["article_id"])  # a page from the cache is still a view
    return {}


@bp.get("/articles/<id:article_id>")
@bp.get("/articles/<id:article_id>/<slug>")
@cached_page(bp, on_hit=_article_seen, personal=current_visitor_id)
def article(article_id: int, slug: str | None = None):
    page = article_view(article_id)
    if slug != canonical_slug(page.article.slug) and "version" not in request.args:
        return redirect(article_url(page.article), 301)
    related_items.fill(page, me())
    give_visitor_id()
    remember(readable=page.article.is_readable)
    if page.article.is_readable and first_view(article_id):
        stats.count_view(db.session, article_id)
    return render_template("kb/article.html", page=page, sections=SECTIONS, section_labels=SECTION_LABELS,
                           feedback_form=FeedbackForm(formdata=None), flag_form=FlagForm(formdata=None),
                           move_form=TransitionForm(formdata=None))


@bp.get("/articles/<id:article_id>/print")
def print_view(article_id: int):
    return render_template("kb/print.html", page=article_view(article_id), sections=SECTIONS,
                           section_labels=SECTION_LABELS)


@bp.get("/articles/<id:article_id>/versions")
def versions(article_id: int):
    article = common.require_visible(load(article_id), me())
    rows = editor_q.visible_versions(db.session, article, me())
    log = editor_q.transitions(db.session, article) if access.can_edit(article, me()) else []
    return render_template("kb/versions.html", article=article, rows=rows, log=log,
                           can_edit=access.can_edit(article, me()))


@bp.get("/articles/<id:article_id>/diff")
def diff(article_id: int):
    article = common.require_visible(load(article_id), me())
    old, new = request.args.get("from", ""), request.args.get("to", "")
    if not (old.isdigit() and new.isdigit() and len(old) < 7 and len(new) < 7):
        raise NotFound(_l("Choose two versions to compare."))
    found = editor_q.diff(db.session, article, int(old), int(new), me())
    return render_template("kb/diff.html", article=article, diff=found, section_labels=SECTION_LABELS)


@bp.get("/feed.atom")
def feed():
    rows = reader.feed(db.session, me())
    response = make_response(render_template("kb/feed.atom", rows=rows))
    response.mimetype = "application/atom+xml"
    return response
