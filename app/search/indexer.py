"""Keeps the index in step with the forum: signal receivers queue work, which runs after commit.

A receiver only records the affected question id in the session (``session.info``); the first
one in a transaction queues :func:`_apply` with ``app.db.after_commit``. Just before the
commit (``before_commit``, same session and connection) the documents are built from the
state being committed; after the commit ``_apply`` sends them to the engine with
``wait=True``, so an edit, close, delete or change of visibility shows in the very next
search. Building them before the commit matters: a second connection taken inside the commit
would deadlock a busy pool (every thread holding one connection, waiting for another). A
rolled-back transaction sends nothing. A failure is logged by the after-commit queue and never
undoes the request; ``flask search reindex`` repairs.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import nullcontext

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from app import signals
from app.db import after_commit
from app.forum.models import Answer, Question
from app.search.documents import question_document, question_input

log = logging.getLogger(__name__)
_KEY = "search_dirty_questions"
_connected = False


class _Pending:
    """Questions touched in one transaction, and their documents once built."""

    def __init__(self):
        self.ids: set[int] = set()
        self.docs: list[dict | str] = []


def _question_of(sender) -> Question | None:
    if isinstance(sender, Question):
        return sender
    if isinstance(sender, Answer):
        return sender.question
    return None


def _receiver(sender, **_kwargs) -> None:
    question = _question_of(sender)
    if question is None or question.id is None:
        return
    # Off only for scratch applications that never search (the routing replay); `flask search
    # reindex` builds the index from the database whenever it is wanted.
    if not current_app.config.get("SEARCH_INDEX_ON_WRITE", True):
        return
    session = Session.object_session(question)
    if session is None:
        return
    pending = session.info.get(_KEY)
    if pending is None:
        pending = session.info[_KEY] = _Pending()
        after_commit(session, _apply, current_app._get_current_object(), pending)
    pending.ids.add(question.id)


@event.listens_for(Session, "before_commit")
def _build(session: Session) -> None:
    pending = session.info.pop(_KEY, None)
    if pending is not None and pending.ids:
        pending.docs = list(question_documents(session, sorted(pending.ids)))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(_KEY, None)  # app.db dropped the queued _apply too


# Everything that changes a question's document: text, tags, scope, state, answers, score.
SIGNALS = (
    signals.question_asked, signals.question_edited, signals.question_closed, signals.question_reopened,
    signals.answer_posted, signals.answer_edited, signals.answer_accepted, signals.answer_unaccepted,
    signals.post_deleted, signals.post_undeleted, signals.vote_cast, signals.vote_retracted,
)


def connect_receivers() -> None:
    """Connect once per process (blinker signals are global; apps come and go in tests)."""
    global _connected
    if _connected:
        return
    for signal in SIGNALS:
        signal.connect(_receiver, weak=False)
    _connected = True


def _apply(app: Flask, pending: _Pending) -> None:
    from app.search import get_backend

    with in_app(app):
        push(get_backend(app), pending.docs)


def in_app(app: Flask):
    """``app``'s context: the current one when the commit runs inside it (normally), else new."""
    inside = has_app_context() and current_app._get_current_object() is app
    return nullcontext() if inside else app.app_context()


def push(backend, docs: list[dict | str]) -> None:
    """Index the documents and delete the keys (strings) among ``docs``, waiting for both."""
    present = [d for d in docs if isinstance(d, dict)]
    gone = [d for d in docs if isinstance(d, str)]
    if present:
        backend.index(present, wait=True)
    if gone:
        backend.delete(gone, wait=True)


def question_documents(session: Session, ids: Iterable[int]) -> Iterator[dict | str]:
    """For each id: its document, or its key (a string) when it must leave the index."""
    ids = list(ids)
    questions = {q.id: q for q in session.scalars(
        select(Question).where(Question.id.in_(ids)).options(selectinload(Question.tags)))}
    answers: dict[int, list[Answer]] = {}
    for a in session.scalars(select(Answer).where(Answer.question_id.in_(ids))):
        answers.setdefault(a.question_id, []).append(a)
    for qid in ids:
        q = questions.get(qid)
        doc = question_document(*question_input(q, answers.get(qid, []))) if q is not None else None
        yield doc if doc is not None else f"question-{qid}"


def all_documents(session: Session, batch: int = 500) -> Iterator[dict]:
    """Every live question's document, in id order, ``batch`` questions per query."""
    last = 0
    while True:
        ids = list(session.scalars(select(Question.id).where(Question.id > last, Question.deleted_at.is_(None))
                                   .order_by(Question.id).limit(batch)))
        if not ids:
            return
        for doc in question_documents(session, ids):
            if not isinstance(doc, str):
                yield doc
        last = ids[-1]
        session.expunge_all()  # keep memory flat over a large forum
