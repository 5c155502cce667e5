"""Models and view models to the JSON shapes of API.md.

Pure presentation: no queries beyond attributes already loaded (or lazily loaded by
identity), no permission decisions. Whatever reaches here was already filtered by
``app.forum.access`` in the queries and services.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote, urljoin

from flask import current_app, request, url_for
from werkzeug.routing import BuildError

from app.accounts.models import User
from app.forum.models import Answer, Comment, Question, Revision


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a 'Z'; the columns hold naive UTC (see app.db.utcnow)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def question_url(question: Question) -> str:
    """Absolute address of the question's HTML page."""
    if "forum.question" in current_app.view_functions:
        try:
            return url_for("forum.question", question_id=question.id, slug=question.slug, _external=True)
        except BuildError:
            pass  # the page's rule takes other arguments; fall back to the documented shape
    return urljoin(request.host_url, f"questions/{question.id}/{quote(question.slug or 'q')}")


def user_brief(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def user_json(user: User, points: int | None = None, badges: list[dict] | None = None) -> dict:
    """A public profile; ``points``: the total the caller may know (default: the cached one);
    ``badges``: the user's badges as ``app.api.badges.award_json`` gives them."""
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "points": user.points if points is None else points, "badges": badges or [],
            "created_at": iso(user.created_at),
            "about_html": user.about_html or ""}


def me_json(user: User, badges: list[dict] | None = None) -> dict:
    """The caller's own profile: the public one plus private settings and teams."""
    data = user_json(user, badges=badges)
    data.update({"email": user.email, "locale": user.locale,
                 "teams": [{"id": m.team.id, "slug": m.team.slug, "name": m.team.name,
                            "is_team_admin": m.is_team_admin} for m in user.memberships]})
    return data


def _attribution(post) -> dict:
    return {"source_url": post.source_url, "source_author": post.source_author}


def question_summary(question: Question) -> dict:
    """The list item of GET /questions."""
    return {
        "id": question.id,
        "title": question.title,
        "tags": question.tag_names,
        "score": question.score,
        "answer_count": question.answer_count,
        "accepted_answer_id": question.accepted_answer_id,
        "visibility": question.visibility,
        "team": question.team.slug if question.team is not None else None,
        "created_at": iso(question.created_at),
        "last_activity_at": iso(question.last_activity_at),
        "is_closed": question.is_closed,
        "url": question_url(question),
        "author": user_brief(question.author),
        **_attribution(question),
    }


def comment_json(comment: Comment) -> dict:
    return {
        "id": comment.id,
        "question_id": comment.question_id,
        "answer_id": comment.answer_id,
        "author": user_brief(comment.author),
        "body": comment.body_md,
        "body_html": comment.body_html,
        "created_at": iso(comment.created_at),
        **_attribution(comment),
    }


def answer_json(answer: Answer, comments: list[Comment] = (), my_vote: int = 0) -> dict:
    return {
        "id": answer.id,
        "question_id": answer.question_id,
        "author": user_brief(answer.author),
        "score": answer.score,
        "is_accepted": answer.is_accepted,
        "body": answer.body_md,
        "body_html": answer.body_html,
        "created_at": iso(answer.created_at),
        "updated_at": iso(answer.updated_at),
        "is_deleted": answer.is_deleted,
        "my_vote": my_vote,
        "comments": [comment_json(c) for c in comments],
        **_attribution(answer),
    }


def question_detail(page) -> dict:
    """GET /questions/<id> from a ``queries.QuestionPage``: the question, its answers
    (accepted first), comments and the viewer's votes.

    ``duplicate_of_id`` is reported only when the viewer may see the original, so a
    hidden question's id never leaks through a public duplicate.
    """
    question = page.question
    data = question_summary(question)
    original = page.duplicate_of
    data.update({
        "body": question.body_md,
        "body_html": question.body_html,
        "updated_at": iso(question.updated_at),
        "view_count": question.view_count,
        "is_deleted": question.is_deleted,
        "closed_at": iso(question.closed_at),
        "close_reason": question.close_reason,
        "close_note": question.close_note,
        "duplicate_of_id": original.id if original is not None else None,
        "duplicate_of": ({"id": original.id, "title": original.title, "url": question_url(original)}
                         if original is not None else None),
        "my_vote": page.votes.get(("q", question.id), 0),
        "comments": [comment_json(c) for c in page.comments.get(("q", question.id), [])],
        "answers": [answer_json(a, page.comments.get(("a", a.id), []), page.votes.get(("a", a.id), 0))
                    for a in page.answers],
    })
    return data


def answer_from_page(page, answer_id: int) -> dict | None:
    """One answer of a QuestionPage in full, or None when the viewer may not see it."""
    for answer in page.answers:
        if answer.id == answer_id:
            return answer_json(answer, page.comments.get(("a", answer.id), []),
                               page.votes.get(("a", answer.id), 0))
    return None


def revision_json(revision: Revision) -> dict:
    return {
        "number": revision.number,
        "author": user_brief(revision.author),
        "created_at": iso(revision.created_at),
        "comment": revision.comment,
        "title": revision.title,
        "tags": revision.tags.split() if revision.tags is not None else None,
        "body": revision.body_md,
    }


def tag_json(row) -> dict:
    tag, count = row
    return {"name": tag.name, "description": tag.description or "", "question_count": count}
