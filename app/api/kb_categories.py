"""/categories (the knowledge tree: read for everyone, write for curators) and /review-queue
(the work on articles: drafts, reviews, articles needing review, flags)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.api import bp, openapi
from app.api.common import MAX_ID, choice_arg, created, json_body, page_json, paging, require_login, viewer
from app.api.kb_schemas import article_summary, category_json, flag_json, transition_json
from app.errors import NotFound
from app.extensions import db
from app.kb.queries import editor as editor_q
from app.kb.queries.reader import Catalog, catalog
from app.kb.services import categories



def _node(found: Catalog, category_id: int, viewer_) -> dict:
    kids = [_node(found, kid, viewer_) for kid in found.tree.kids(category_id) if found.shown(kid, viewer_)]
    return category_json(found.rows[category_id], found.counts.get(category_id, 0), kids)


@bp.get("/categories")
def list_categories():
    found = catalog(db.session, viewer())
    return {"items": [_node(found, root, viewer()) for root in found.tree.roots() if found.shown(root, viewer())]}


@bp.get("/categories/<id:category_id>")
def get_category(category_id: int):
    found = catalog(db.session, viewer())
    if category_id not in found.rows or not found.shown(category_id, viewer()):
        raise NotFound(_l("No such category."))
    return _node(found, category_id, viewer())


def _values(body) -> dict:
    """Only the fields sent (a PATCH changes those); ``parent_id: null`` means the top level."""
    out = {}
    for name in ("name", "description", "default_audience"):
        if name in body.data:
            out[name] = body.string(name)
    for name in ("parent_id", "owner_team_id"):
        if name in body.data:
            out[name] = body.integer(name, minimum=1, maximum=MAX_ID)
    if "review_days" in body.data:
        out["review_days"] = body.integer("review_days", minimum=-MAX_ID, maximum=MAX_ID)
    if "position" in body.data:
        out["position"] = body.integer("position", minimum=0, maximum=100_000)
    body.done()
    return out


def _one(category) -> dict:
    found = catalog(db.session, viewer())
    return _node(found, category.id, viewer())


@bp.post("/categories")
def create_category():
    by = require_login()
    made = categories.create_category(db.session, _values(json_body()), by=by)
    return created(_one(made), url_for("api.get_category", category_id=made.id, _external=True))


@bp.patch("/categories/<id:category_id>")
def edit_category(category_id: int):
    by = require_login()
    values = _values(json_body())
    category = categories.get_category(db.session, category_id)
    return _one(categories.update_category(db.session, category, values, by=by))


@bp.delete("/categories/<id:category_id>")
def delete_category(category_id: int):
    by = require_login()
    categories.delete_category(db.session, categories.get_category(db.session, category_id), by=by)
    return "", 204


@bp.get("/review-queue")
def review_queue():
    user = require_login()
    page, per_page = paging()
    only = choice_arg("only", editor_q.QUEUE_FILTERS, "all")
    mine = choice_arg("scope", ("all", "mine"), "all") == "mine"
    found = editor_q.queue(db.session, user, mine=mine, only=only, page=page, per_page=per_page)
    return page_json(found, lambda i: {"article": article_summary(i.article, i.version), "reasons": i.reasons,
                                       "flags": [flag_json(f) for f in i.flags],
                                       "last": transition_json(i.last) if i.last else None})


CAT = {"name": "category_id", "in": "path", "required": True, "description": "The category's id.",
       "schema": {"type": "integer", "minimum": 1}}
openapi.PATHS.update({
    "/categories": {
        "get": openapi.read("list_categories", "The knowledge tree, with the articles the caller may count.",
                            "CategoryTree", tag="knowledge base", errors=(401,)),
        "post": openapi.write("create_category", "Create a category (curators).", tag="knowledge base",
                              body="CategoryWrite", ok=(201, "Category"), location=True),
    },
    "/categories/{category_id}": {
        "get": openapi.read("get_category", "A category and its subtree.", "Category", tag="knowledge base",
                            params=[CAT]),
        "patch": openapi.write("edit_category", "Rename, reconfigure, reorder (position) or move a subtree "
                               "(parent_id; under itself is a 422) (curators).", tag="knowledge base", params=[CAT],
                               body="CategoryWrite", ok=(200, "Category")),
        "delete": openapi.write("delete_category", "Delete an empty category (409 otherwise) (curators).",
                                tag="knowledge base", params=[CAT], ok=(204, None)),
    },
    "/review-queue": {
        "get": {**openapi.read("review_queue", "Articles that need work, each with its reasons: a curator's are "
                               "all (scope=mine: theirs), an owner's their own.", "QueuePage", tag="knowledge base",
                               params=[{"name": "only", "in": "query", "schema": {
                                   "type": "string", "enum": list(editor_q.QUEUE_FILTERS)}},
                                   {"name": "scope", "in": "query", "schema": {"type": "string",
                                                                              "enum": ["all", "mine"]}},
                                   *openapi.PAGING], errors=(400, 401)),
                "security": openapi.WRITE_SECURITY},
    },
})
