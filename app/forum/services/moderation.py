"""Closing, duplicates, soft delete and undelete."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app import privileges, signals
from app.accounts.models import User
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.forum import access
from app.forum.models import Answer, Question
from app.forum.services.answers import require_visible_answer
from app.forum.services.common import adjust_tag_counts, require_user, require_visible

CLOSE_REASONS = {
    "duplicate": _l("Duplicate"),
    "off_topic": _l("Off topic"),
    "unclear": _l("Needs details or clarity"),
    "too_broad": _l("Needs more focus"),
    "resolved": _l("Resolved elsewhere"),
}


def _require_closer(by: User) -> None:
    """Moderators close and reopen by role; others once they hold the close/reopen privilege."""
    if not access.can_moderate(by):
        privileges.require(by, privileges.CLOSE_REOPEN)


def close_question(session: Session, question: Question, *, reason: str, by: User, note: str = "",
                   duplicate_of: Question | None = None) -> Question:
    """Close with one of CLOSE_REASONS; sends ``question_closed``. Conflict if already closed."""
    by = require_user(by)
    require_visible(question, by)
    _require_closer(by)
    if reason not in CLOSE_REASONS:
        raise Invalid(errors={"reason": _l("Choose a reason.")})
    if question.is_closed:
        raise Conflict(_l("This question is already closed."))
    if reason == "duplicate":
        if duplicate_of is None:
            raise Invalid(errors={"duplicate_of": _l("Name the original question.")})
        require_visible(duplicate_of, by)
        if duplicate_of.id == question.id or duplicate_of.duplicate_of_id == question.id:
            raise Invalid(errors={"duplicate_of": _l("A question cannot duplicate itself.")})
        question.duplicate_of_id = duplicate_of.id
    question.closed_at, question.closed_by_id = utcnow(), by.id
    question.close_reason, question.close_note = reason, (note or "").strip()[:500] or None
    session.flush()
    signals.question_closed.send(question, by=by, reason=reason, duplicate_of=duplicate_of)
    return question


def mark_duplicate(session: Session, question: Question, original: Question, *, by: User) -> Question:
    return close_question(session, question, reason="duplicate", by=by, duplicate_of=original)


def reopen_question(session: Session, question: Question, *, by: User) -> Question:
    by = require_user(by)
    require_visible(question, by)
    _require_closer(by)
    if not question.is_closed:
        raise Conflict(_l("This question is open."))
    question.closed_at = question.closed_by_id = question.close_reason = question.close_note = None
    question.duplicate_of_id = None
    session.flush()
    signals.question_reopened.send(question, by=by)
    return question


def _check_delete_rights(post, by: User) -> None:
    if not access.can_edit(post, by):
        raise Forbidden(_l("Only the author or a moderator can delete or restore this post."))


def delete_post(session: Session, post: Question | Answer, *, by: User) -> None:
    """Soft-delete; counts are kept right and a deleted accepted answer is un-accepted.
    Sends ``post_deleted``. Deleting a deleted post is a no-op."""
    by = require_user(by)
    if isinstance(post, Question):
        require_visible(post, by)
    else:
        require_visible_answer(post, by)
    _check_delete_rights(post, by)
    if post.is_deleted:
        return
    post.deleted_at, post.deleted_by_id = utcnow(), by.id
    if isinstance(post, Question):
        adjust_tag_counts(session, post.tags, -1, post.visibility)
    else:
        question = post.question
        question.answer_count = Question.answer_count - 1
        if question.accepted_answer_id == post.id:
            question.accepted_answer_id = None
            signals.answer_unaccepted.send(post, by=by)
    session.flush()
    signals.post_deleted.send(post, by=by)


def undelete_post(session: Session, post: Question | Answer, *, by: User) -> None:
    by = require_user(by)
    if isinstance(post, Question):
        require_visible(post, by)
    else:
        require_visible_answer(post, by)
    _check_delete_rights(post, by)
    if not post.is_deleted:
        return
    if not access.can_moderate(by) and post.deleted_by_id != by.id:
        raise Forbidden(_l("A post deleted by a moderator can only be restored by a moderator."))
    post.deleted_at = post.deleted_by_id = None
    if isinstance(post, Question):
        adjust_tag_counts(session, post.tags, +1, post.visibility)
    else:
        post.question.answer_count = Question.answer_count + 1
    session.flush()
    signals.post_undeleted.send(post, by=by)
