"""The knowledge base listens to the forum (which imports nothing from it): a change to a
source of an article sends the article back to its owner's queue.

Receivers run inside the sender's transaction and write through its session, so the
article's move commits or rolls back with the edit that caused it.
"""
from __future__ import annotations

from app import signals
from app.db import session_of
from app.kb.services import review


def on_answer_edited(answer, *, by=None, **_):
    review.source_changed(session_of(answer), answer_ids=[answer.id], what="answer_edited", by=by)


def on_question_reopened(question, *, by=None, **_):
    review.source_changed(session_of(question), question_ids=[question.id], what="question_reopened", by=by)


def on_answer_accepted(answer, *, by=None, previous=None, **_):
    # A first acceptance changes no article's source; replacing the accepted answer does (the
    # previous one, and any article promoted from this thread). answer_unaccepted was sent for
    # the previous answer just before: the article has moved already and this finds nothing.
    if previous is not None:
        review.source_changed(session_of(answer), question_ids=[answer.question_id], what="accepted_changed", by=by)


def on_answer_unaccepted(answer, *, by=None, **_):
    review.source_changed(session_of(answer), answer_ids=[answer.id], what="accepted_changed", by=by)


_RECEIVERS = ((signals.answer_edited, on_answer_edited), (signals.question_reopened, on_question_reopened),
              (signals.answer_accepted, on_answer_accepted), (signals.answer_unaccepted, on_answer_unaccepted))


def connect_handlers() -> None:
    """Connect once per process (blinker keeps module-level receivers; connecting is idempotent)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
