"""/articles: list and search, read, write (every save a version), versions and diffs,
transitions and their log. Feedback, flags, promotion and reuse: ``articles_actions``;
categories and the review queue: ``kb_categories`` (both imported at the end, so one import
registers them all).

Readers get what they may read (the published version); a hidden article is a 404; errors
are problem+json with the failing field (app.errors).
"""
from __future__ import annotations

from datetime import date

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import Team
from app.api import bp, openapi
from app.api.common import (BadInput, MAX_ID, choice_arg, created, int_arg, json_body, page_json, paging,
                            require_login, viewer)
from app.api.kb_schemas import article_detail, article_summary, transition_json, version_json
from app.errors import Invalid
from app.extensions import db
from app.forum.models import Tag
from app.kb.models import SECTIONS, STATUSES
from app.kb.queries import article as article_q
from app.kb.queries import editor as editor_q
from app.kb.queries import reader
from app.kb.services import Changes, articles, common, workflow
from app.markup import normalize_tag
from app.pagination import Page
from app.search import get_backend, service
from app.search.backend import Filters


def load_article(article_id: int):
    return common.get_article(db.session, article_id)


def detail(article_id: int, number: int | None = None) -> dict:
    page = article_q.article_page(db.session, article_id, viewer(), number=number)
    return article_detail(page, viewer())


def _row(row) -> dict:
    return article_summary(row.article, row.version)


@bp.get("/articles")
def list_articles():
    """Readable articles (``status`` lets editors list drafts and reviews they may work on);
    ``q`` searches them with the search engine (audience applied inside its query)."""
    page, per_page = paging()
    status = choice_arg("status", ("", *STATUSES), "") or None
    sort = choice_arg("sort", reader.SORTS, "recent")
    category = int_arg("category", minimum=1, maximum=MAX_ID)
    tag_name = normalize_tag(request.args.get("tag", "")) or None
    q = request.args.get("q", "")
    if q.strip():
        try:
            result = service.search(db.session, get_backend, q=q, user=viewer(), filters=Filters(type="article"),
                                    page=page, per_page=per_page)
        except Invalid as err:
            raise BadInput(err.detail, errors=err.errors) from None
        rows = reader.by_ids(db.session, viewer(), [i.id for i in result.items])
        return page_json(Page(rows, result.total, page, per_page), _row)
    ids = None
    if category is not None:
        from app.kb.queries.reader import catalog

        ids = catalog(db.session, viewer()).tree.subtree(category) or [category]
    tag = db.session.scalar(select(Tag).where(Tag.name == tag_name)) if tag_name else None
    if tag_name and tag is None:
        return page_json(Page([], 0, page, per_page), _row)
    result = reader.list_articles(db.session, viewer(), category_ids=ids, tag_id=tag.id if tag else None,
                                  status=status, sort=sort, page=page, per_page=per_page)
    return page_json(result, _row)


def _team(raw) -> int | None:
    """A team slug or id to its id (None when not given); an unknown one is a 422."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, int):
        return raw
    found = db.session.scalar(select(Team.id).where(Team.slug == raw))
    if found is None:
        raise Invalid(errors={"team": _l("Unknown team.")})
    return found


def _changes(body, *, edit: bool) -> tuple[Changes, str]:
    text = {name: body.string(name) for name in SECTIONS}
    changes = Changes(title=body.string("title"), sections=text, note=body.string("note") or "")
    cats = body.data.get("categories")
    body._seen.add("categories")
    if cats is not None:
        if not isinstance(cats, list) or not all(isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= MAX_ID
                                                 for c in cats):
            body._bad("categories", _l("Expected a list of category ids."))
        else:
            changes.categories = cats
    changes.primary_category = body.integer("primary_category", minimum=1, maximum=MAX_ID)
    changes.tags = body.string_list("tags")
    changes.audience = body.string("audience")
    changes.team_id = body.id_or_slug("team")
    action = body.string("action") or "save"
    if edit:
        if "owner" in body.data:
            owner = body.data.get("owner")
            body._seen.add("owner")
            if owner is None:
                changes.owner_user_id = changes.owner_team_id = None
            elif isinstance(owner, dict) and set(owner) <= {"user", "team"} and \
                    all(isinstance(v, int) and not isinstance(v, bool) for v in owner.values()):
                changes.owner_user_id = owner.get("user")
                changes.owner_team_id = owner.get("team")
            else:
                body._bad("owner", _l("Expected {\"user\": id} or {\"team\": id}."))
        review_by = body.string("review_by")
        if review_by is not None:
            try:
                changes.review_by = date.fromisoformat(review_by)
            except ValueError:
                body._bad("review_by", _l("Use a date like 2025-12-31."))
    body.done()
    changes.team_id = _team(changes.team_id)
    return changes, action


@bp.post("/articles")
def create_article():
    by = require_login()
    changes, action = _changes(json_body(), edit=False)
    changes.sections = {k: v or "" for k, v in changes.sections.items()}
    changes.title = changes.title or ""
    article = articles.create_article(db.session, changes, by=by, action=action)
    return created(detail(article.id), url_for("api.get_article", article_id=article.id, _external=True))


@bp.get("/articles/<id:article_id>")
def get_article(article_id: int):
    return detail(article_id, int_arg("version", minimum=1, maximum=MAX_ID))


@bp.patch("/articles/<id:article_id>")
def edit_article(article_id: int):
    by = require_login()
    changes, action = _changes(json_body(), edit=True)
    article = load_article(article_id)
    articles.save_article(db.session, article, changes, by=by, action=action)
    return detail(article.id, common.head(db.session, article).number)


@bp.get("/articles/<id:article_id>/versions")
def article_versions(article_id: int):
    article = common.require_visible(load_article(article_id), viewer())
    page, per_page = paging()
    rows = editor_q.visible_versions(db.session, article, viewer())
    chunk = rows[(page - 1) * per_page: page * per_page]
    return page_json(Page(chunk, len(rows), page, per_page), lambda r: version_json(r.version, article))


@bp.get("/articles/<id:article_id>/versions/<int:number>")
def article_version(article_id: int, number: int):
    article = common.require_visible(load_article(article_id), viewer())
    return version_json(editor_q.visible_version(db.session, article, number, viewer()), article)


@bp.post("/articles/<id:article_id>/versions/<int:number>/restore")
def restore_article_version(article_id: int, number: int):
    by = require_login()
    body = json_body() if request.content_length else None
    note, action = (body.string("note") or "", body.string("action") or "save") if body else ("", "save")
    if body:
        body.done()
    article = load_article(article_id)
    articles.restore_version(db.session, article, number, by=by, note=note, action=action)
    return detail(article.id, common.head(db.session, article).number)


@bp.get("/articles/<id:article_id>/diff")
def article_diff(article_id: int):
    article = common.require_visible(load_article(article_id), viewer())
    old = int_arg("from", minimum=1, maximum=MAX_ID)
    new = int_arg("to", minimum=1, maximum=MAX_ID)
    if old is None or new is None:
        raise BadInput(_l("Give two version numbers: from and to."),
                       errors={"from" if old is None else "to": _l("Expected an integer.")})
    found = editor_q.diff(db.session, article, old, new, viewer())

    def chunks(items):
        return [{"op": c.op, "text": c.text, "lines": c.lines} for c in items]
    return {"from": old, "to": new, "title": chunks(found.title),
            "sections": {s.name: chunks(s.chunks) for s in found.sections}}


@bp.post("/articles/<id:article_id>/transition")
def transition_article(article_id: int):
    by = require_login()
    body = json_body()
    to, note = body.string("to"), body.string("note") or ""
    body.done()
    workflow.transition(db.session, load_article(article_id), to, by=by, note=note)
    return detail(article_id)


@bp.get("/articles/<id:article_id>/transitions")
def article_transitions(article_id: int):
    article = common.require_visible(load_article(article_id), viewer())
    common.require_editor(article, viewer())
    return {"items": [transition_json(t) for t in editor_q.transitions(db.session, article, limit=200)]}


# --- OpenAPI ------------------------------------------------------------------------------------

ART = {"name": "article_id", "in": "path", "required": True, "description": "The article's id.",
       "schema": {"type": "integer", "minimum": 1}}
NUM = {"name": "number", "in": "path", "required": True, "description": "The version number (1, 2, ...).",
       "schema": {"type": "integer", "minimum": 1}}
_LIST = [{"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 500},
          "description": "Search the articles (the search engine's ranking)."},
         {"name": "category", "in": "query", "schema": {"type": "integer"},
          "description": "Only this category and its subcategories."},
         {"name": "tag", "in": "query", "schema": {"type": "string"}},
         {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)},
          "description": "Readers: readable articles with this status; editors: also drafts and reviews."},
         {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(reader.SORTS), "default": "recent"}},
         *openapi.PAGING]
openapi.PATHS.update({
    "/articles": {
        "get": openapi.read("list_articles", "Articles the caller may see (search them with q).", "ArticlePage",
                            tag="knowledge base", params=_LIST, errors=(400, 401)),
        "post": openapi.write("create_article", "Write an article (a draft, or sent on by action).",
                              tag="knowledge base", body="ArticleCreate", ok=(201, "Article"), location=True),
    },
    "/articles/{article_id}": {
        "get": openapi.read("get_article", "An article: the published version for readers; editors may ask "
                            "?version=N.", "Article", tag="knowledge base",
                            params=[ART, {"name": "version", "in": "query", "schema": {"type": "integer"},
                                          "description": "Editors: this version instead of the published one."}]),
        "patch": openapi.write("edit_article", "Save a new version and/or settings; then the action.",
                               tag="knowledge base", params=[ART], body="ArticleEdit", ok=(200, "Article")),
    },
    "/articles/{article_id}/versions": {
        "get": openapi.read("article_versions", "Versions, newest first (readers: the published ones).",
                            "ArticleVersionPage", tag="knowledge base", params=[ART, *openapi.PAGING]),
    },
    "/articles/{article_id}/versions/{number}": {
        "get": openapi.read("article_version", "One version.", "ArticleVersion", tag="knowledge base",
                            params=[ART, NUM]),
    },
    "/articles/{article_id}/versions/{number}/restore": {
        "post": openapi.write("restore_article_version", "Save an old version again as the newest one (404 for "
                              "a number that is not this article's).", tag="knowledge base", params=[ART, NUM],
                              body="Restore", ok=(200, "Article")),
    },
    "/articles/{article_id}/diff": {
        "get": openapi.read("article_diff", "Changes between two versions, per section.", "ArticleDiff",
                            tag="knowledge base", params=[ART, {"name": "from", "in": "query", "required": True,
                                                                "schema": {"type": "integer"}},
                                                          {"name": "to", "in": "query", "required": True,
                                                           "schema": {"type": "integer"}}]),
    },
    "/articles/{article_id}/transition": {
        "post": openapi.write("transition_article", "Move the article to another status (409: not from here; "
                              "403: not allowed to you).", tag="knowledge base", params=[ART], body="Transition",
                              ok=(200, "Article")),
    },
    "/articles/{article_id}/transitions": {
        "get": openapi.read("article_transitions", "Who changed its status, when and why (editors).",
                            "ArticleTransitionList", tag="knowledge base", params=[ART], errors=(401, 403, 404)),
    },
})
if {"name": "knowledge base"} not in openapi.DOCUMENT["tags"]:
    openapi.DOCUMENT["tags"].append({"name": "knowledge base"})

from app.api import articles_actions, kb_categories  # noqa: E402,F401  (register their routes)
