"""Voting. A post's score changes only by atomic ``score = score + delta`` updates made
while the post row is locked, so concurrent votes are never lost or counted twice."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import privileges, signals
from app.accounts.models import User
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.forum.models import Answer, Question, Vote
from app.forum.services.answers import require_visible_answer
from app.forum.services.common import require_user, require_visible


def set_vote(session: Session, post: Question | Answer, value: int, *, by: User) -> tuple[int, int]:
    """Set ``by``'s vote on ``post`` to +1, -1 or 0 (retract). Repeating a vote is a no-op.

    Returns (new score, caller's vote). Sends ``vote_cast`` or ``vote_retracted`` when the
    vote changed. Forbidden on one's own post; Invalid for other values.
    """
    by = require_user(by)
    if isinstance(post, Question):
        require_visible(post, by)
    else:
        require_visible_answer(post, by)
    if value not in (-1, 0, 1) or isinstance(value, bool):
        raise Invalid(errors={"value": _l("A vote is 1, -1 or 0.")})
    if post.author_id == by.id:
        raise Forbidden(_l("You cannot vote on your own post."))
    if post.is_deleted:
        raise Conflict(_l("This post was deleted."))

    model = type(post)
    fk = Vote.question_id if model is Question else Vote.answer_id
    # Serialise voters on this post (PostgreSQL row lock; SQLite holds the write lock already).
    # FOR NO KEY UPDATE: it still serialises voters but lets other transactions' foreign-key
    # checks (KEY SHARE) on this row through, which FOR UPDATE would block into deadlocks.
    session.execute(select(model.id).where(model.id == post.id).with_for_update(key_share=True))
    vote = session.scalar(select(Vote).where(Vote.user_id == by.id, fk == post.id))
    previous = vote.value if vote else 0
    if previous == value:
        return _current_score(session, model, post.id), value
    if value == -1:
        # Checked only for a new downvote: anyone may still withdraw one or vote up.
        privileges.require(by, privileges.VOTE_DOWN)

    if vote is None:
        vote = Vote(user_id=by.id, value=value, **{fk.key: post.id})
        session.add(vote)
    elif value == 0:
        session.delete(vote)
    else:
        vote.value, vote.updated_at = value, utcnow()
    session.execute(update(model).where(model.id == post.id).values(score=model.score + (value - previous)))
    session.flush()
    score = _current_score(session, model, post.id)
    session.refresh(post, ["score"])
    if value == 0:
        signals.vote_retracted.send(post, by=by, previous=previous)
    else:
        signals.vote_cast.send(post, by=by, value=value, previous=previous)
    return score, value


def _current_score(session: Session, model, post_id: int) -> int:
    return session.scalar(select(model.score).where(model.id == post_id))


def my_votes(session: Session, user: User | None, question: Question, answer_ids: list[int]) -> dict:
    """{("q", id) | ("a", id): value} for the viewer, in one query."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    rows = session.execute(select(Vote.question_id, Vote.answer_id, Vote.value).where(
        Vote.user_id == user.id,
        (Vote.question_id == question.id) | Vote.answer_id.in_(answer_ids or [-1])))
    return {(("q", q) if q else ("a", a)): v for q, a, v in rows}
