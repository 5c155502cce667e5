"""Blinker receivers: forum signals -> rules events -> ledger, inside the sender's transaction.

Receivers never commit: the forum service's caller commits the action and its points
together, or rolls both back (DESIGN.md). They write through the session the sent post
belongs to, which is the session of the service call that sent the signal.
"""
from __future__ import annotations

from sqlalchemy import select
from app import signals
from app.db import session_of
from app.forum.models import Answer, Question, Vote
from app.points import ledger, rules


def post_ref(post: Question | Answer) -> rules.Post:
    if isinstance(post, Question):
        return rules.Post("question", post.id, post.id, post.author_id)
    return rules.Post("answer", post.id, post.question_id, post.author_id)


def _apply(post, event, by) -> None:
    ledger.apply(session_of(post), rules.plan(event), actor_id=getattr(by, "id", None))


def on_vote_cast(post, *, by, value, previous, **_):
    _apply(post, rules.VoteCast(post_ref(post), by.id, value, previous), by)


def on_vote_retracted(post, *, by, previous, **_):
    _apply(post, rules.VoteRetracted(post_ref(post), by.id, previous), by)


def on_answer_accepted(answer, *, by, previous=None, **_):
    # Two concurrent accepts on one question can both be sent previous=None. The service's
    # UPDATE of the question row serialises them before this signal, so the second one sees
    # the first one's committed entries here and withdraws them: one rewarded accept per
    # question, whatever ``previous`` says.
    question = answer.question
    withdraw = tuple(rules.Post("answer", answer_id, question.id, None)
                     for answer_id in ledger.rewarded_accepts(session_of(answer), question.id)
                     if answer_id != answer.id)
    event = rules.AnswerAccepted(post_ref(answer), question.author_id, by.id,
                                 post_ref(previous) if previous is not None else None, withdraw)
    _apply(answer, event, by)


def on_answer_unaccepted(answer, *, by, **_):
    # Accepting another answer sends this first, then answer_accepted: two rounds of user locks.
    # Locking every author on the question now (and the asker, and the actor), in id order,
    # makes the second round find its rows held already. Otherwise it waited for the new
    # answerer out of order, and a concurrent vote holding that row while it waited for the
    # old answerer deadlocked against it on PostgreSQL (tests/postgres/test_pg_points.py).
    session = session_of(answer)
    authors = session.scalars(select(Answer.author_id).where(Answer.question_id == answer.question_id))
    ledger.lock_users(session, [answer.question.author_id, by.id, *authors])
    _apply(answer, rules.AnswerUnaccepted(post_ref(answer)), by)


def on_post_deleted(post, *, by, **_):
    _apply(post, rules.PostDeleted(post_ref(post), by.id), by)


def on_post_undeleted(post, *, by, **_):
    session = session_of(post)
    column = Vote.question_id if isinstance(post, Question) else Vote.answer_id
    votes = tuple(session.execute(select(Vote.user_id, Vote.value).where(column == post.id)
                                  .order_by(Vote.id)).tuples())
    is_accepted = isinstance(post, Answer) and post.question.accepted_answer_id == post.id
    asker_id = post.question.author_id if isinstance(post, Answer) else post.author_id
    event = rules.PostRestored(post_ref(post), by.id, votes=votes, is_accepted=is_accepted, asker_id=asker_id)
    ledger.apply(session, rules.plan(event), actor_id=by.id)


def on_article_published(article, *, by, version, first, answer_authors=(), fixer_id=None,
                         question_id=None, **_):
    event = rules.ArticlePublished(article.id, question_id, version, first, tuple(answer_authors), fixer_id,
                                   getattr(by, "id", None))
    ledger.apply(session_of(article), rules.plan(event), actor_id=getattr(by, "id", None))


def on_article_feedback(article, *, by, helpful, credited=(), feedback_id, question_id=None, **_):
    voter = getattr(by, "id", None)
    event = rules.ArticleFeedback(article.id, question_id, feedback_id, helpful, tuple(credited), voter)
    ledger.apply(session_of(article), rules.plan(event), actor_id=voter)


_RECEIVERS = (
    (signals.vote_cast, on_vote_cast),
    (signals.vote_retracted, on_vote_retracted),
    (signals.answer_accepted, on_answer_accepted),
    (signals.answer_unaccepted, on_answer_unaccepted),
    (signals.post_deleted, on_post_deleted),
    (signals.post_undeleted, on_post_undeleted),
    (signals.article_published, on_article_published),
    (signals.article_feedback, on_article_feedback),
)


def connect_handlers() -> None:
    """Connect the receivers (idempotent: blinker keys receivers by identity, and these
    module-level functions are the same objects on every call, so several ``create_app``
    calls connect each one once). ``weak=False``: a signal must never silently lose them."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)


def disconnect_handlers() -> None:
    """For tests that need the forum without points."""
    for signal, receiver in _RECEIVERS:
        signal.disconnect(receiver)
