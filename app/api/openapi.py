"""GET /api/v1/openapi.json: the OpenAPI 3.1 document of this API.

Maintained by hand as a Python dict (components in ``openapi_schemas``); a test checks
that every rule registered under /api/v1 is described here with its methods, and that
responses carry exactly the documented properties.
"""
from __future__ import annotations

import copy

from app.api import bp
from app.api.openapi_schemas import COMPONENTS, ref

READ_SECURITY = [{}, {"bearerAuth": []}, {"cookieAuth": []}]   # anonymous allowed
WRITE_SECURITY = [{"bearerAuth": []}, {"cookieAuth": []}]
PAGING = [ref("page", "parameters"), ref("per_page", "parameters")]


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema_name)}}}


def _errors(*codes: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
             413: "PayloadTooLarge", 422: "Invalid", 429: "TooManyRequests"}
    return {str(code): ref(names[code], "responses") for code in codes}


def read(op_id: str, summary: str, schema: str, *, tag: str, params=(), errors=(400, 401, 404)) -> dict:
    return {"operationId": op_id, "summary": summary, "tags": [tag], "security": READ_SECURITY,
            "parameters": list(params), "responses": {"200": _json(schema, "OK"), **_errors(*errors)}}


def write(op_id: str, summary: str, *, tag: str, params=(), body: str | None = None,
          ok: tuple[int, str | None] = (200, "Question"), errors=(401, 403, 404, 409, 429),
          location: bool = False) -> dict:
    """A write operation: authenticated, rate limited, problem+json on every failure."""
    status, schema = ok
    if schema is None:
        success = {"description": "Done; no content."}
    else:
        success = _json(schema, "Created" if status == 201 else "OK")
    if location:
        success["headers"] = {"Location": {"description": "The new resource's API address.",
                                           "schema": {"type": "string", "format": "uri"}}}
    codes = set(errors) | ({400, 413, 422} if body else set())
    op = {"operationId": op_id, "summary": summary, "tags": [tag], "security": WRITE_SECURITY,
          "parameters": list(params), "responses": {str(status): success, **_errors(*sorted(codes))}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    return op


Q, A, C, U = (ref(n, "parameters") for n in ("question_id", "answer_id", "comment_id", "user_id"))

LIST_QUESTION_PARAMS = [
    {"name": "sort", "in": "query", "description": "Order (unanswered also filters to open, unanswered).",
     "schema": {"type": "string", "enum": ["newest", "active", "unanswered", "score"], "default": "newest"}},
    {"name": "tag", "in": "query", "schema": {"type": "string"}, "description": "Only questions with this tag."},
    {"name": "author", "in": "query", "schema": {"type": "string"},
     "description": "Only questions by this user (id or username)."},
    *PAGING,
]

PATHS = {
    "/questions": {
        "get": read("list_questions", "List the questions the caller may see.", "QuestionPage",
                    tag="questions", params=LIST_QUESTION_PARAMS, errors=(400, 401)),
        "post": write("ask_question", "Ask a question.", tag="questions", body="QuestionCreate",
                      ok=(201, "Question"), errors=(401, 429), location=True),
    },
    "/questions/{question_id}": {
        "get": read("get_question", "A question with its answers and comments.", "Question",
                    tag="questions", params=[Q]),
        "patch": write("edit_question", "Edit a question (a new revision).", tag="questions", params=[Q],
                       body="QuestionEdit"),
        "delete": write("delete_question", "Soft-delete a question (author or moderator).", tag="questions",
                        params=[Q], ok=(204, None)),
    },
    "/questions/{question_id}/undelete": {
        "post": write("undelete_question", "Restore a deleted question.", tag="questions", params=[Q]),
    },
    "/questions/{question_id}/close": {
        "post": write("close_question", "Close a question (moderators); 'duplicate' names the original.",
                      tag="questions", params=[Q], body="Close"),
    },
    "/questions/{question_id}/reopen": {
        "post": write("reopen_question", "Reopen a closed question (moderators).", tag="questions",
                      params=[Q]),
    },
    "/questions/{question_id}/vote": {
        "post": write("vote_question", "Set the caller's vote; repeating is a no-op, 0 retracts.",
                      tag="votes", params=[Q], body="Vote", ok=(200, "VoteResult")),
    },
    "/questions/{question_id}/comments": {
        "post": write("comment_question", "Comment on a question.", tag="comments", params=[Q],
                      body="CommentCreate", ok=(201, "Comment"), location=True),
    },
    "/questions/{question_id}/answers": {
        "post": write("post_answer", "Answer an open question.", tag="answers", params=[Q],
                      body="AnswerCreate", ok=(201, "Answer"), location=True),
    },
    "/questions/{question_id}/revisions": {
        "get": read("question_revisions", "Revisions of a question, newest first.", "RevisionPage",
                    tag="questions", params=[Q, *PAGING]),
    },
    "/answers/{answer_id}": {
        "get": read("get_answer", "An answer with its comments.", "Answer", tag="answers", params=[A]),
        "patch": write("edit_answer", "Edit an answer (a new revision).", tag="answers", params=[A],
                       body="AnswerEdit", ok=(200, "Answer")),
        "delete": write("delete_answer", "Soft-delete an answer (author or moderator).", tag="answers",
                        params=[A], ok=(204, None)),
    },
    "/answers/{answer_id}/undelete": {
        "post": write("undelete_answer", "Restore a deleted answer.", tag="answers", params=[A],
                      ok=(200, "Answer")),
    },
    "/answers/{answer_id}/accept": {
        "post": write("accept_answer", "Accept this answer (asker or moderator), replacing any other.",
                      tag="answers", params=[A]),
        "delete": write("unaccept_answer", "Withdraw the acceptance of this answer.", tag="answers",
                        params=[A]),
    },
    "/answers/{answer_id}/vote": {
        "post": write("vote_answer", "Set the caller's vote; repeating is a no-op, 0 retracts.",
                      tag="votes", params=[A], body="Vote", ok=(200, "VoteResult")),
    },
    "/answers/{answer_id}/comments": {
        "post": write("comment_answer", "Comment on an answer.", tag="comments", params=[A],
                      body="CommentCreate", ok=(201, "Comment"), location=True),
    },
    "/answers/{answer_id}/revisions": {
        "get": read("answer_revisions", "Revisions of an answer, newest first.", "RevisionPage",
                    tag="answers", params=[A, *PAGING]),
    },
    "/comments/{comment_id}": {
        "get": read("get_comment", "One comment.", "Comment", tag="comments", params=[C]),
        "delete": write("delete_comment", "Delete a comment (author or moderator).", tag="comments",
                        params=[C], ok=(204, None)),
    },
    "/users/me": {
        "get": {**read("get_me", "The caller's own profile.", "Me", tag="users", errors=(401,)),
                "security": WRITE_SECURITY},
    },
    "/users/{user_id}": {
        "get": read("get_user", "A user's public profile.", "User", tag="users", params=[U]),
    },
    "/users/{user_id}/answers": {
        "get": read("list_user_answers", "A user's answers on questions the caller may see.",
                    "AnswerSummaryPage", tag="users", params=[U, *PAGING]),
    },
    "/tags": {
        "get": read("list_tags", "Tags in use, most used first, counted over visible questions.", "TagPage",
                    tag="tags", errors=(400, 401), params=[
                        {"name": "q", "in": "query", "schema": {"type": "string"},
                         "description": "Only tags starting with this text."}, *PAGING]),
    },
    "/openapi.json": {
        "get": {"operationId": "openapi_document", "summary": "This document.", "tags": ["meta"],
                "security": READ_SECURITY,
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}},
    },
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Knowledge forum API",
        "version": "1.0.0",
        "summary": "Questions, answers, votes, comments and users of the Q&A and expert-finding forum.",
        "description": ("Lists answer {items, total, page, per_page}. Errors are application/problem+json "
                        "{type, title, status, detail, errors}. Times are ISO 8601 in UTC. Anonymous "
                        "callers see public content only; hidden posts are 404, never 403."),
    },
    "servers": [{"url": "/api/v1"}],
    "security": READ_SECURITY,
    "tags": [{"name": n} for n in ("questions", "answers", "comments", "votes", "users", "tags", "meta")],
    "paths": PATHS,
    "components": COMPONENTS,
}


@bp.get("/openapi.json")
def openapi_document():
    # A copy: the response must never be able to alter the module-level document.
    return copy.deepcopy(DOCUMENT)
