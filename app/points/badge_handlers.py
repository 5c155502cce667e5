"""Signal receivers that award badges, inside the sender's transaction (like the points
handlers: an answer and the badge it earned commit together or not at all).

Each receiver evaluates only the badges its event can newly earn (``badges.ON_*``), so a
user who holds them all costs one small query per event.
"""
from __future__ import annotations

from datetime import timedelta

from app import signals
from app.accounts.models import User
from app.db import session_of
from app.forum.models import QuestionTag
from app.points import badges
from app.points.badge_awards import evaluate
from sqlalchemy import select


def _author(session, post) -> User | None:
    return session.get(User, post.author_id) if post.author_id is not None else None


def _since(post):
    # A post completes at most a streak ending on its own day.
    return post.created_at.date() - timedelta(days=badges.STREAK_DAYS - 1)


def on_question_asked(question, **_):
    session = session_of(question)
    author = _author(session, question)
    if author is not None:
        evaluate(session, author, badges.ON_QUESTION_ASKED, since=_since(question))


def on_answer_posted(answer, **_):
    session = session_of(answer)
    author = _author(session, answer)
    if author is not None:
        evaluate(session, author, badges.ON_ANSWER_POSTED, since=_since(answer))


def on_answer_accepted(answer, **_):
    session = session_of(answer)
    author = _author(session, answer)
    if author is None:
        return
    tag_ids = session.scalars(select(QuestionTag.tag_id).where(QuestionTag.question_id == answer.question_id)).all()
    evaluate(session, author, badges.ON_ANSWER_ACCEPTED, tag_ids=tag_ids)


def on_article_feedback(article, *, helpful, credited=(), **_):
    if not helpful:
        return
    session = session_of(article)
    for user_id in credited:
        user = session.get(User, user_id)
        if user is not None:
            evaluate(session, user, badges.ON_HELPFUL_FEEDBACK)


_RECEIVERS = (
    (signals.question_asked, on_question_asked),
    (signals.answer_posted, on_answer_posted),
    (signals.answer_accepted, on_answer_accepted),
    (signals.article_feedback, on_article_feedback),
)


def connect_handlers() -> None:
    """Idempotent (module-level receivers, strong references)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)


def disconnect_handlers() -> None:
    for signal, receiver in _RECEIVERS:
        signal.disconnect(receiver)
