"""The knowledge base's JSON shapes: serializers and their OpenAPI schemas side by side (the
tests compare real responses with the schemas, key for key).

Serializers only present what the queries and services already decided the caller may see:
readers get the published version; a source the caller may not see is null; health (the
helpful ratio, flags) is filled for owners and curators only.
"""
from __future__ import annotations

from app.api.openapi_schemas import BOOL, COMPONENTS, INT, STR, TIME, URL, nullable, obj, page_of, ref
from app.api.serializers import iso, user_brief
from app.kb import access
from app.kb.models import FLAG_REASONS, SECTIONS, STATUSES, Article, ArticleFlag, ArticleTransition, ArticleVersion
from app.kb.urls import article_url

AUDIENCE = {"type": "string", "enum": ["public", "internal", "team"]}
STATUS = {"type": "string", "enum": list(STATUSES)}
DATE = {"type": "string", "format": "date"}


def _owner(article: Article) -> dict | None:
    if article.owner_user is not None:
        return {"type": "user", "id": article.owner_user.id, "name": article.owner_user.display_name}
    if article.owner_team is not None:
        return {"type": "team", "id": article.owner_team.id, "name": article.owner_team.name}
    return None


def article_summary(article: Article, version: ArticleVersion) -> dict:
    return {"id": article.id, "title": version.title, "status": article.status, "audience": article.audience,
            "team": article.team.slug if article.team else None, "version": version.number,
            "url": article_url(article, _external=True), "published_at": iso(article.published_at),
            "updated_at": iso(article.updated_at or article.created_at), "reuse_count": article.reuse_count,
            "helpful_count": article.helpful_count, "primary_category_id": article.primary_category_id}


def article_detail(page, viewer) -> dict:
    """``page``: app.kb.queries.article.ArticlePage (the version it shows is what the caller reads)."""
    a, v = page.article, page.version
    first = next((s for s in page.sources if s.question_id is not None), None)
    data = article_summary(a, v)
    data.update({
        "slug": a.slug, "categories": [{"id": c.id, "name": c.name, "slug": c.slug} for c in page.categories],
        "source_question_id": first.question_id if first else None,
        "source_answer_id": first.answer_id if first else None,
        "sources": [{"question_id": s.question_id, "answer_id": s.answer_id, "source_url": s.source_url,
                     "source_author": s.answerer_name if s.source_url else None, "license": s.license}
                    for s in page.sources],
        "tags": [t.name for t in page.tags], "owner": _owner(a), "review_by": a.review_by.isoformat() if a.review_by
        else None, "reviewed_at": iso(a.reviewed_at),
        "credits": [{"role": c.role, "user": user_brief(c.user), "name": c.name} for c in page.credits],
        "health": None, "published_version": page.published.number if page.published else None,
        "head_version": page.head.number if page.is_editor else None, "license": a.license,
        "source_url": a.source_url, "source_author": a.source_author, "created_at": iso(a.created_at),
        "allowed_transitions": page.moves})
    for name in SECTIONS:
        data[name], data[f"{name}_html"] = v.section_md(name), v.section_html(name)
    if page.health is not None:
        h = page.health
        data["health"] = {"helpful": h.helpful, "unhelpful": h.unhelpful,
                          "ratio": round(h.ratio, 4) if h.ratio is not None else None, "open_flags": len(h.flags)}
    return data


def version_json(version: ArticleVersion, article: Article) -> dict:
    data = {"number": version.number, "title": version.title, "editor": user_brief(version.editor),
            "note": version.note, "created_at": iso(version.created_at), "published_at": iso(version.published_at),
            "restored_from": version.restored_from, "is_published": version.id == article.published_version_id}
    for name in SECTIONS:
        data[name], data[f"{name}_html"] = version.section_md(name), version.section_html(name)
    return data


def transition_json(move: ArticleTransition) -> dict:
    return {"from": move.from_status, "to": move.to_status, "reason": move.reason, "note": move.note,
            "version": move.version_number, "by": user_brief(move.by), "created_at": iso(move.created_at)}


def flag_json(flag: ArticleFlag) -> dict:
    return {"id": flag.id, "article_id": flag.article_id, "reason": flag.reason, "comment": flag.comment,
            "by": user_brief(flag.by), "created_at": iso(flag.created_at), "resolved_at": iso(flag.resolved_at),
            "resolution": flag.resolution}


def category_json(category, count: int, children: list | None = None) -> dict:
    return {"id": category.id, "name": category.name, "slug": category.slug, "parent_id": category.parent_id,
            "position": category.position, "description": category.description,
            "owner_team_id": category.owner_team_id, "default_audience": category.default_audience,
            "review_days": category.review_days, "article_count": count, "children": children or []}


def may_see_health(article: Article, viewer) -> bool:
    return access.can_see_health(article, viewer)


# --- OpenAPI ---------------------------------------------------------------------------------------

_CHUNK = obj({"op": {"type": "string", "enum": ["equal", "insert", "delete", "skip"]}, "text": STR,
              "lines": {**INT, "description": "For skip: how many unchanged lines are folded."}})
_SECTIONS_SCHEMA = {k: v for name in SECTIONS for k, v in ((name, {**STR, "description": "Markdown source."}),
                                                          (f"{name}_html", {**STR, "description": "Sanitised HTML."}))}
SUMMARY = obj({
    "id": INT, "title": STR, "status": STATUS, "audience": AUDIENCE,
    "team": nullable({**STR, "description": "Slug of the team of a team article."}),
    "version": {**INT, "description": "The version returned: the published one for readers."},
    "url": {**URL, "description": "The article's HTML page."}, "published_at": nullable(TIME), "updated_at": TIME,
    "reuse_count": {**INT, "description": "Questions answered by linking it."},
    "helpful_count": INT, "primary_category_id": nullable(INT)})
ARTICLE = obj({
    **SUMMARY["properties"], "slug": STR,
    "categories": {"type": "array", "items": obj({"id": INT, "name": STR, "slug": STR})},
    "source_question_id": nullable({**INT, "description": "The first source question, if the caller may see it."}),
    "source_answer_id": nullable(INT),
    "sources": {"type": "array", "items": obj({"question_id": nullable(INT), "answer_id": nullable(INT),
                                               "source_url": nullable(URL), "source_author": nullable(STR),
                                               "license": nullable(STR)})},
    "tags": {"type": "array", "items": STR},
    "owner": nullable(obj({"type": {"type": "string", "enum": ["user", "team"]}, "id": INT, "name": STR})),
    "review_by": nullable(DATE), "reviewed_at": nullable(TIME),
    "credits": {"type": "array", "items": obj({"role": {"type": "string", "enum": ["answerer", "asker", "editor"]},
                                               "user": nullable(ref("UserBrief")), "name": STR})},
    "health": nullable(obj({"helpful": INT, "unhelpful": INT, "ratio": nullable({"type": "number"}),
                            "open_flags": INT}, description="Owners and curators only.")),
    "published_version": nullable(INT),
    "head_version": nullable({**INT, "description": "The newest version (editors only)."}),
    "license": nullable(STR), "source_url": nullable(URL), "source_author": nullable(STR), "created_at": TIME,
    "allowed_transitions": {"type": "array", "items": STATUS, "description": "Statuses the caller may move it to."},
    **_SECTIONS_SCHEMA})
VERSION = obj({"number": INT, "title": STR, "editor": nullable(ref("UserBrief")), "note": STR, "created_at": TIME,
               "published_at": nullable(TIME), "restored_from": nullable(INT), "is_published": BOOL,
               **_SECTIONS_SCHEMA})
TRANSITION = obj({"from": nullable(STATUS), "to": STATUS, "reason": STR, "note": STR, "version": nullable(INT),
                  "by": nullable(ref("UserBrief")), "created_at": TIME})
FLAG = obj({"id": INT, "article_id": INT, "reason": {"type": "string", "enum": list(FLAG_REASONS)}, "comment": STR,
            "by": nullable(ref("UserBrief")), "created_at": TIME, "resolved_at": nullable(TIME), "resolution": STR})
CATEGORY = obj({"id": INT, "name": STR, "slug": STR, "parent_id": nullable(INT), "position": INT, "description": STR,
                "owner_team_id": nullable(INT), "default_audience": AUDIENCE, "review_days": INT,
                "article_count": {**INT, "description": "Articles the caller may count here and below."},
                "children": {"type": "array", "items": ref("Category")}})
SECTION_FIELDS = {"issue": STR, "environment": STR, "resolution": STR, "cause": STR}
ARTICLE_WRITE = {
    "title": STR, **SECTION_FIELDS, "note": {**STR, "description": "For the version history."},
    "categories": {"type": "array", "items": INT}, "primary_category": INT,
    "tags": {"type": "array", "items": STR}, "audience": AUDIENCE,
    "team": {"type": ["string", "integer"], "description": "Team slug or id (audience 'team')."},
    "action": {"type": "string", "enum": ["save", "review", "publish"], "default": "save",
               "description": "After saving: keep the status (a fix to a published article is published if the "
                              "caller may, else sent to review), send to review, or publish."}}
COMPONENTS["schemas"].update({
    "ArticleSummary": SUMMARY, "Article": ARTICLE, "ArticlePage": page_of("ArticleSummary"),
    "ArticleVersion": VERSION, "ArticleVersionPage": page_of("ArticleVersion"),
    "ArticleTransition": TRANSITION, "ArticleTransitionList": obj({"items": {"type": "array", "items": TRANSITION}}),
    "ArticleDiff": obj({"from": INT, "to": INT, "title": {"type": "array", "items": _CHUNK},
                        "sections": obj({name: {"type": "array", "items": _CHUNK} for name in SECTIONS})}),
    "ArticleFlag": FLAG, "ArticleFlagList": obj({"items": {"type": "array", "items": FLAG}}),
    "Category": CATEGORY, "CategoryTree": obj({"items": {"type": "array", "items": ref("Category")}}),
    "ArticleCreate": obj(ARTICLE_WRITE, required=["title", "issue", "resolution"], additionalProperties=False),
    "ArticleEdit": obj({**ARTICLE_WRITE, "owner": nullable(obj({"user": INT, "team": INT}, required=[])),
                        "review_by": DATE}, required=[], additionalProperties=False),
    "Transition": obj({"to": STATUS, "note": STR}, required=["to"], additionalProperties=False),
    "Feedback": obj({"helpful": BOOL, "comment": {**STR, "maxLength": 1000}}, required=["helpful"],
                    additionalProperties=False),
    "FeedbackResult": obj({"id": INT, "helpful": BOOL, "comment": STR, "helpful_count": INT,
                           "created": {**BOOL, "description": "False: the same vote again changed nothing."}}),
    "FlagCreate": obj({"reason": {"type": "string", "enum": list(FLAG_REASONS)}, "comment": STR},
                      required=["reason", "comment"], additionalProperties=False),
    "FlagResolve": obj({"note": STR}, required=[], additionalProperties=False),
    "Restore": obj({"note": STR, "action": {"type": "string", "enum": ["save", "review", "publish"]}}, required=[],
                   additionalProperties=False),
    "Promote": obj({"title": {**STR, "description": "Default: the question's title."},
                    "answers": {"type": "array", "items": INT, "description": "More answers merged into the article."},
                    "article_id": {**INT, "description": "Add the answer to this article as a new version instead."}},
                   required=[], additionalProperties=False),
    "ReuseCreate": obj({"article_id": INT}, additionalProperties=False),
    "ReuseLink": obj({"id": INT, "question_id": INT, "article": ref("ArticleSummary"), "by": nullable(ref("UserBrief")),
                      "created_at": TIME}),
    "ReuseLinkList": obj({"items": {"type": "array", "items": ref("ReuseLink")}}),
    "CategoryWrite": obj({"name": STR, "description": STR, "parent_id": nullable(INT),
                          "position": {**INT, "description": "0 is first among its siblings."},
                          "owner_team_id": nullable(INT), "default_audience": AUDIENCE, "review_days": INT},
                         required=[], additionalProperties=False),
    "QueueItem": obj({"article": ref("ArticleSummary"),
                      "reasons": {"type": "array", "items": STR,
                                  "description": "draft, review, fixed, expired, flagged, source_changed, unhelpful, "
                                                 "manual"},
                      "flags": {"type": "array", "items": FLAG}, "last": nullable(TRANSITION)}),
    "QueuePage": page_of("QueueItem"),
    "AlreadyPromoted": obj({"type": STR, "title": STR, "status": INT, "detail": STR,
                            "errors": {"type": "object", "additionalProperties": STR},
                            "article_id": INT, "article_url": URL}),
})
