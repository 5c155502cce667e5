"""Comments on questions and answers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app import privileges, signals
from app.accounts.models import User
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.forum import access
from app.forum.models import Answer, Comment, Question
from app.forum.services.answers import require_visible_answer
from app.forum.services.common import limit, require_user, require_visible
from app.markup import render_markdown


def post_comment(session: Session, post: Question | Answer, *, body: str, by: User) -> Comment:
    """Comment on a visible, live post; sends ``comment_posted``."""
    by = require_user(by)
    question = require_visible(post, by) if isinstance(post, Question) else \
        require_visible_answer(post, by).question
    if post.is_deleted or question.is_deleted:
        raise Conflict(_l("This post was deleted."))
    if by.id not in (post.author_id, question.author_id):
        # Without the privilege one comments on one's own posts and on answers to one's own
        # questions (to ask the answerer for details): others' posts need standing, which
        # keeps new accounts from spamming comment threads.
        privileges.require(by, privileges.COMMENT_EVERYWHERE)
    body = (body or "").strip()
    if not 2 <= len(body) <= limit("MAX_COMMENT_LENGTH"):
        raise Invalid(errors={"body": _l("A comment has 2 to %(n)d characters.", n=limit("MAX_COMMENT_LENGTH"))})
    comment = Comment(body_md=body, body_html=render_markdown(body), author=by)
    if isinstance(post, Question):
        comment.question_id = post.id
    else:
        comment.answer_id = post.id
    session.add(comment)
    question.last_activity_at = utcnow()
    session.flush()
    signals.comment_posted.send(comment, by=by, post=post)
    return comment


def delete_comment(session: Session, comment: Comment | None, *, by: User) -> None:
    """Soft-delete a comment (its author or a moderator). NotFound, never Forbidden, for a
    comment on a post the user may not see: a 403 would confirm the hidden post exists."""
    by = require_user(by)
    if comment is None or comment.is_deleted:
        raise NotFound()
    parent = session.get(Question, comment.question_id) if comment.question_id else session.get(Answer, comment.answer_id)
    if parent is None or (isinstance(parent, Question) and not access.can_view(parent, by)) or \
            (isinstance(parent, Answer) and not access.can_view(parent.question, by)):
        raise NotFound()
    if not access.can_edit(comment, by):
        raise Forbidden(_l("Only the author or a moderator can delete this comment."))
    comment.deleted_at = utcnow()
