"""The ``components`` of the OpenAPI document: schemas, parameters, responses, security.

Kept beside the serializers' shapes on purpose: tests compare the property sets of real
responses with these schemas, so a field added in one place and not the other fails.
"""
from __future__ import annotations


def ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def nullable(schema: dict) -> dict:
    """JSON Schema 2020-12 (OpenAPI 3.1) spelling of 'this or null'."""
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: dict, required=None, **extra) -> dict:
    """An object schema; every property is required unless ``required`` says otherwise."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else list(required), **extra}


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC ('Z')."}
URL = {"type": "string", "format": "uri"}
ROLES = ["customer", "staff", "expert", "moderator", "admin"]
VISIBILITIES = ["public", "internal", "team"]
CLOSE_REASONS = ["duplicate", "off_topic", "unclear", "too_broad", "resolved"]

ATTRIBUTION = {
    "source_url": nullable({**URL, "description": "Original address of an imported post (CC BY-SA)."}),
    "source_author": nullable({**STR, "description": "Original author's name of an imported post."}),
}

USER_BRIEF = obj({"id": INT, "username": STR, "display_name": STR})
USER = obj({"id": INT, "username": STR, "display_name": STR, "role": {"type": "string", "enum": ROLES},
            "points": INT, "badges": {"type": "array", "items": ref("UserBadge"),
                                      "description": "The user's badges, newest first."},
            "created_at": TIME, "about_html": STR})
TEAM = obj({"id": INT, "slug": STR, "name": STR, "is_team_admin": BOOL})
ME = obj({**USER["properties"], "email": nullable(STR), "locale": nullable(STR),
          "teams": {"type": "array", "items": TEAM}})

QUESTION_SUMMARY = obj({
    "id": INT, "title": STR, "tags": {"type": "array", "items": STR}, "score": INT, "answer_count": INT,
    "accepted_answer_id": nullable(INT), "visibility": {"type": "string", "enum": VISIBILITIES},
    "team": nullable({**STR, "description": "Slug of the team of a team question."}),
    "created_at": TIME, "last_activity_at": TIME, "is_closed": BOOL,
    "url": {**URL, "description": "The question's HTML page."},
    "author": nullable(ref("UserBrief")), **ATTRIBUTION,
})
COMMENT = obj({"id": INT, "question_id": nullable(INT), "answer_id": nullable(INT),
               "author": nullable(ref("UserBrief")), "body": {**STR, "description": "Markdown source."},
               "body_html": {**STR, "description": "Sanitised HTML."}, "created_at": TIME, **ATTRIBUTION})
ANSWER = obj({"id": INT, "question_id": INT, "author": nullable(ref("UserBrief")), "score": INT,
              "is_accepted": BOOL, "body": STR, "body_html": STR, "created_at": TIME,
              "updated_at": nullable(TIME), "is_deleted": BOOL,
              "my_vote": {"type": "integer", "enum": [-1, 0, 1], "description": "The caller's vote."},
              "comments": {"type": "array", "items": ref("Comment")}, **ATTRIBUTION})
ANSWER_SUMMARY = obj({"id": INT, "question_id": INT, "question_title": STR,
                      "author": nullable(ref("UserBrief")), "score": INT, "is_accepted": BOOL,
                      "created_at": TIME, **ATTRIBUTION})
QUESTION = obj({
    **QUESTION_SUMMARY["properties"],
    "body": {**STR, "description": "Markdown source."}, "body_html": {**STR, "description": "Sanitised HTML."},
    "updated_at": nullable(TIME), "view_count": INT, "is_deleted": BOOL,
    "closed_at": nullable(TIME), "close_reason": nullable({"type": "string", "enum": CLOSE_REASONS}),
    "close_note": nullable(STR),
    "duplicate_of_id": nullable({**INT, "description": "Set only when the caller may see the original."}),
    "duplicate_of": nullable(obj({"id": INT, "title": STR, "url": URL})),
    "my_vote": {"type": "integer", "enum": [-1, 0, 1]},
    "comments": {"type": "array", "items": ref("Comment")},
    "answers": {"type": "array", "items": ref("Answer"), "description": "Accepted first, then by score."},
})
REVISION = obj({"number": INT, "author": nullable(ref("UserBrief")), "created_at": TIME, "comment": STR,
                "title": nullable({**STR, "description": "Questions only."}),
                "tags": nullable({"type": "array", "items": STR}), "body": STR})
TAG = obj({"name": STR, "description": STR,
           "question_count": {**INT, "description": "Questions the caller may see."}})
VOTE_RESULT = obj({"score": INT, "my_vote": {"type": "integer", "enum": [-1, 0, 1]}})
PROBLEM = obj({"type": STR, "title": STR, "status": INT, "detail": STR,
               "errors": {"type": "object", "additionalProperties": STR,
                          "description": "Failing field (or parameter, or header) -> message."}})

TAGS_FIELD = {"type": "array", "items": STR, "minItems": 1, "maxItems": 5}
TEAM_FIELD = {"type": ["string", "integer"], "description": "Team slug or id (visibility 'team')."}
QUESTION_CREATE = obj({"title": STR, "body": STR, "tags": TAGS_FIELD,
                       "visibility": {"type": "string", "enum": VISIBILITIES, "default": "public"},
                       "team": TEAM_FIELD}, required=["title", "body", "tags"], additionalProperties=False)
QUESTION_EDIT = obj({"title": STR, "body": STR, "tags": TAGS_FIELD,
                     "visibility": {"type": "string", "enum": VISIBILITIES}, "team": TEAM_FIELD,
                     "comment": {**STR, "description": "Why: stored with the revision."}},
                    required=[], additionalProperties=False)
BODY_ONLY = obj({"body": STR}, additionalProperties=False)
ANSWER_EDIT = obj({"body": STR, "comment": STR}, required=[], additionalProperties=False)
VOTE = obj({"value": {"type": "integer", "enum": [1, -1, 0], "description": "0 retracts."}},
           additionalProperties=False)
CLOSE = obj({"reason": {"type": "string", "enum": CLOSE_REASONS}, "note": STR,
             "duplicate_of": {**INT, "description": "The original, with reason 'duplicate'."}},
            required=["reason"], additionalProperties=False)


def page_of(item: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(item)}, "total": INT, "page": INT,
                "per_page": {"type": "integer", "maximum": 100}})


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": ref("Problem")}}}


def _id_param(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.",
            "schema": {"type": "integer", "minimum": 1}}


COMPONENTS = {
    "securitySchemes": {
        "bearerAuth": {"type": "http", "scheme": "bearer",
                       "description": "A personal API token: Authorization: Bearer <token>. An invalid or "
                                      "revoked token is a 401, never anonymous access."},
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session",
                       "description": "The browser session. Unsafe methods must also send X-CSRFToken "
                                      "(the page's csrf-token meta tag)."},
    },
    "schemas": {
        "Problem": PROBLEM, "UserBrief": USER_BRIEF, "User": USER, "Me": ME,
        "QuestionSummary": QUESTION_SUMMARY, "Question": QUESTION, "Answer": ANSWER,
        "AnswerSummary": ANSWER_SUMMARY, "Comment": COMMENT, "Revision": REVISION, "Tag": TAG,
        "VoteResult": VOTE_RESULT,
        "QuestionPage": page_of("QuestionSummary"), "AnswerSummaryPage": page_of("AnswerSummary"),
        "RevisionPage": page_of("Revision"), "TagPage": page_of("Tag"),
        "QuestionCreate": QUESTION_CREATE, "QuestionEdit": QUESTION_EDIT, "AnswerCreate": BODY_ONLY,
        "AnswerEdit": ANSWER_EDIT, "CommentCreate": BODY_ONLY, "Vote": VOTE, "Close": CLOSE,
    },
    "parameters": {
        "page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1},
                 "description": "Values below 1 count as 1; a non-integer is a 400."},
        "per_page": {"name": "per_page", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                     "description": "Clamped to 1..100; the response reports the value used."},
        "question_id": _id_param("question_id", "question"),
        "answer_id": _id_param("answer_id", "answer"),
        "comment_id": _id_param("comment_id", "comment"),
        "user_id": _id_param("user_id", "user"),
    },
    "responses": {
        "BadRequest": _problem("Malformed request: not JSON, a wrong type, an unknown field or parameter, "
                               "or a missing CSRF token on a cookie session."),
        "Unauthorized": _problem("Authentication needed, or the bearer token is invalid or revoked."),
        "Forbidden": _problem("The caller may see the post but not do this."),
        "NotFound": _problem("No such resource, or the caller may not see it (existence does not leak)."),
        "Conflict": _problem("The resource's state forbids it (closed, deleted, already closed ...)."),
        "PayloadTooLarge": _problem("The request body is larger than the server accepts."),
        "Invalid": _problem("Well-formed but invalid fields; 'errors' names each one."),
        "TooManyRequests": _problem("Rate limited; retry after the Retry-After header's seconds."),
    },
}
