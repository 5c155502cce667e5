"""Questions as a search document source: the first registered type (app.search.sources).

A question's document holds its answers' text and reflects its tags, scope, state and score,
so every forum signal that changes any of those makes the question dirty, whether the
sender is the question or one of its answers.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app import signals
from app.forum import access
from app.forum.models import Answer, Question
from app.search.documents import question_document, question_input
from app.search.sources import DocumentSource, register_source


def _question_id(sender, **_kwargs) -> list[int | None]:
    if isinstance(sender, Question):
        return [sender.id]
    if isinstance(sender, Answer):
        return [sender.question_id]
    return []


def documents(session: Session, ids: list[int]) -> Iterator[dict]:
    """Documents of the live questions among ``ids`` (deleted or missing ones: nothing)."""
    questions = session.scalars(select(Question).where(Question.id.in_(ids)).options(selectinload(Question.tags)))
    answers: dict[int, list[Answer]] = {}
    for a in session.scalars(select(Answer).where(Answer.question_id.in_(ids))):
        answers.setdefault(a.question_id, []).append(a)
    for q in questions:
        doc = question_document(*question_input(q, answers.get(q.id, [])))
        if doc is not None:
            yield doc


def all_ids(session: Session, after: int, limit: int) -> list[int]:
    return list(session.scalars(select(Question.id).where(Question.id > after, Question.deleted_at.is_(None))
                                .order_by(Question.id).limit(limit)))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Question).where(Question.deleted_at.is_(None))) or 0


def visible_ids(session: Session, user, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(select(Question.id).where(Question.id.in_(ids), access.visible_clause(user))))


def url(id_: int, slug: str | None, external: bool) -> str:
    from types import SimpleNamespace

    from app.forum.urls import question_url

    return question_url(SimpleNamespace(id=id_, slug=slug or None), _external=external)


# Everything that changes a question's document: text, tags, scope, state, answers, score.
DIRTY_SIGNALS = (
    signals.question_asked, signals.question_edited, signals.question_closed, signals.question_reopened,
    signals.answer_posted, signals.answer_edited, signals.answer_accepted, signals.answer_unaccepted,
    signals.post_deleted, signals.post_undeleted, signals.vote_cast, signals.vote_retracted,
)

QUESTIONS = DocumentSource(type="question", documents=documents, all_ids=all_ids, count=count,
                           visible_ids=visible_ids, dirty={s: _question_id for s in DIRTY_SIGNALS}, url=url)


def register() -> None:
    register_source(QUESTIONS)
