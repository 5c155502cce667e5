"""What people do with articles through the API: "was this helpful?", flags, promoting an
answer, and answering a question with an existing article (reuse links)."""
from __future__ import annotations

import json

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.api import bp, openapi
from app.api.articles import ART, detail, load_article
from app.api.common import MAX_ID, created, found, json_body, require_login, viewer
from app.api.kb_schemas import article_summary, flag_json
from app.api.serializers import iso, user_brief
from app.errors import Forbidden, Invalid, NotFound, problem
from app.extensions import db
from app.forum import access as forum_access
from app.forum.models import Answer, Question
from app.kb import access
from app.kb.models import Article, ArticleFlag, ArticleVersion, ReuseLink
from app.kb.services import common, feedback, promote
from app.kb.urls import article_url


# --- feedback --------------------------------------------------------------------------------------

@bp.post("/articles/<id:article_id>/feedback")
def article_feedback(article_id: int):
    """API callers vote as themselves (anonymous visitors vote on the article page, per day)."""
    by = require_login()
    body = json_body()
    helpful, comment = body.boolean("helpful"), body.string("comment") or ""
    body.done()
    row, was_created = feedback.record_feedback(db.session, load_article(article_id), helpful=helpful,
                                                comment=comment, by=by)
    article = db.session.get(Article, article_id)
    # 201 whatever happened (API.md): ``created`` tells a new vote from the same one again.
    return {"id": row.id, "helpful": row.helpful, "comment": row.comment, "helpful_count": article.helpful_count,
            "created": was_created}, 201


# --- flags ----------------------------------------------------------------------------------------

@bp.post("/articles/<id:article_id>/flags")
def flag_article(article_id: int):
    by = require_login()
    body = json_body()
    reason, comment = body.string("reason"), body.string("comment") or ""
    body.done()
    flag = feedback.flag_article(db.session, load_article(article_id), reason=reason, comment=comment, by=by)
    return created(flag_json(flag), url_for("api.article_flags", article_id=article_id, _external=True))


@bp.get("/articles/<id:article_id>/flags")
def article_flags(article_id: int):
    by = require_login()
    article = common.require_visible(load_article(article_id), by)
    if not access.can_see_health(article, by):
        raise Forbidden(_l("Only the article's owner or a curator can do this."))
    flags = db.session.scalars(select(ArticleFlag).where(ArticleFlag.article_id == article.id)
                               .order_by(ArticleFlag.id.desc()))
    return {"items": [flag_json(f) for f in flags]}


@bp.post("/articles/<id:article_id>/flags/<id:flag_id>/resolve")
def resolve_article_flag(article_id: int, flag_id: int):
    by = require_login()
    body = json_body()
    note = body.string("note") or ""
    body.done()
    flag = db.session.get(ArticleFlag, flag_id)
    if flag is None or flag.article_id != article_id:
        raise NotFound(_l("No such flag."))
    return flag_json(feedback.resolve_flag(db.session, flag, by=by, note=note))


# --- promotion --------------------------------------------------------------------------------------

@bp.post("/answers/<id:answer_id>/promote")
def promote_answer(answer_id: int):
    by = require_login()
    body = json_body()
    title, target = body.string("title"), body.integer("article_id", minimum=1, maximum=MAX_ID)
    more = body.data.get("answers")
    body._seen.add("answers")
    if more is not None and not (isinstance(more, list) and all(isinstance(i, int) and not isinstance(i, bool)
                                                               and 1 <= i <= MAX_ID for i in more)):
        body._bad("answers", _l("Expected a list of answer ids."))
    body.done()
    answer = found(db.session.get(Answer, answer_id), _l("No such answer."))
    try:
        if target is not None:
            article = promote.add_answer_to_article(db.session, answer, common.require_visible(
                db.session.get(Article, target), by), by=by)
            return detail(article.id, common.head(db.session, article).number)
        article = promote.promote_answers(db.session, answer, by=by, title=title, more_answer_ids=more or [])
    except promote.AlreadyPromoted as err:
        return _already(err, by)
    return created(detail(article.id), url_for("api.get_article", article_id=article.id, _external=True))


def _already(err: promote.AlreadyPromoted, by):
    """409 naming the article the answer became (when the caller may see it)."""
    db.session.rollback()
    response = problem(409, err.title, err.detail, err.errors)
    body = response.get_json()
    existing = db.session.get(Article, err.article_id)
    visible = access.can_see(existing, by)
    body.update({"article_id": err.article_id if visible else None,
                 "article_url": article_url(existing, _external=True) if visible else None})
    response.set_data(json.dumps(body))
    return response


# --- reuse --------------------------------------------------------------------------------------------

def _question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.is_deleted or not forum_access.can_view(question, viewer()):
        raise NotFound(_l("No such question."))
    return question


def _link_json(link: ReuseLink, article: Article, version: ArticleVersion) -> dict:
    return {"id": link.id, "question_id": link.question_id, "article": article_summary(article, version),
            "by": user_brief(link.by), "created_at": iso(link.created_at)}


@bp.get("/questions/<id:question_id>/articles")
def question_articles(question_id: int):
    question = _question(question_id)
    rows = db.session.execute(
        select(ReuseLink, Article, ArticleVersion).join(Article, Article.id == ReuseLink.article_id)
        .join(ArticleVersion, ArticleVersion.id == Article.published_version_id)
        .where(ReuseLink.question_id == question.id, access.reader_clause(viewer())).order_by(ReuseLink.id)).all()
    return {"items": [_link_json(link, a, v) for link, a, v in rows]}


@bp.post("/questions/<id:question_id>/articles")
def link_article(question_id: int):
    by = require_login()
    body = json_body()
    target = body.integer("article_id", minimum=1, maximum=MAX_ID)
    body.done()
    if target is None:
        raise Invalid(errors={"article_id": _l("Which article answers the question?")})
    question = _question(question_id)
    link = feedback.link_article(db.session, question, db.session.get(Article, target), by=by)
    article = db.session.get(Article, target)
    version = db.session.get(ArticleVersion, article.published_version_id)
    return created(_link_json(link, article, version),
                   url_for("api.question_articles", question_id=question.id, _external=True))


@bp.delete("/questions/<id:question_id>/articles/<id:article_id>")
def unlink_article(question_id: int, article_id: int):
    by = require_login()
    _question(question_id)
    link = db.session.scalar(select(ReuseLink).where(ReuseLink.question_id == question_id,
                                                     ReuseLink.article_id == article_id))
    feedback.unlink_article(db.session, link, by=by)
    return "", 204


# --- OpenAPI ------------------------------------------------------------------------------------------

FLAG_ID = {"name": "flag_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_PROMOTE = openapi.write("promote_answer", "Promote an answer to a draft article (201), or add it to an existing "
                         "article as a new version (200). 409 if it is an article already.", tag="knowledge base",
                         params=[openapi.A], body="Promote", ok=(201, "Article"), location=True)
_PROMOTE["responses"]["200"] = {"description": "Added to the article.",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Article"}}}}
_PROMOTE["responses"]["409"] = {"description": "The answer already became an article: which one, if the caller "
                                "may see it.", "content": {"application/problem+json": {
                                    "schema": {"$ref": "#/components/schemas/AlreadyPromoted"}}}}
_FEEDBACK = openapi.write("article_feedback", "Was it helpful? One vote per user (a new one replaces it); sending "
                          "the same vote again changes nothing (created: false). Anonymous visitors vote on the "
                          "article page.", tag="knowledge base", params=[ART], body="Feedback",
                          ok=(201, "FeedbackResult"))
openapi.PATHS.update({
    "/articles/{article_id}/feedback": {"post": _FEEDBACK},
    "/articles/{article_id}/flags": {
        "get": openapi.read("article_flags", "Flags on the article (owners and curators).", "ArticleFlagList",
                            tag="knowledge base", params=[ART], errors=(401, 403, 404)),
        "post": openapi.write("flag_article", "Flag it (staff): it goes to the owner's queue.", tag="knowledge base",
                              params=[ART], body="FlagCreate", ok=(201, "ArticleFlag"), location=True),
    },
    "/articles/{article_id}/flags/{flag_id}/resolve": {
        "post": openapi.write("resolve_article_flag", "Resolve a flag (owners and curators).", tag="knowledge base",
                              params=[ART, FLAG_ID], body="FlagResolve", ok=(200, "ArticleFlag")),
    },
    "/answers/{answer_id}/promote": {"post": _PROMOTE},
    "/questions/{question_id}/articles": {
        "get": openapi.read("question_articles", "Articles linked as the question's answer (that the caller may "
                            "read).", "ReuseLinkList", tag="knowledge base", params=[openapi.Q]),
        "post": openapi.write("link_article", "Answer the question with an existing article (staff): a reuse.",
                              tag="knowledge base", params=[openapi.Q], body="ReuseCreate", ok=(201, "ReuseLink"),
                              location=True),
    },
    "/questions/{question_id}/articles/{article_id}": {
        "delete": openapi.write("unlink_article", "Remove a reuse link (its author or a moderator).",
                                tag="knowledge base", params=[openapi.Q, ART], ok=(204, None)),
    },
})
