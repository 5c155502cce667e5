"""What a notification is about, resolved for its reader at the moment it is shown.

A notification stores a reference (``subject_type``, ``subject_id``), never a copy of the
subject's title: the subject may be edited, deleted or hidden from the reader later (a question
made team-only, a team the reader left). Each domain registers a *resolver* for its subject
types; the notifications domain never decides visibility itself.

A resolver takes ``(session, reader, ids)`` and returns ``{id: Subject | GONE}`` for the ids
that exist or existed: a :class:`Subject` when the reader may see it, :data:`GONE` when it was
deleted (shown as a tombstone). An id left out of the answer is hidden from this reader: the
notification shows neither title nor link.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Subject:
    title: str
    url: str


GONE = Subject("", "")  # the subject existed and was deleted: a tombstone, never a 404

Resolver = Callable[[Session, object, set[int]], dict[int, Subject]]
# (session, subject id, readers) -> ids of the readers who may see it: one call for many readers.
Audience = Callable[[Session, int, list], set[int]]
_resolvers: dict[str, Resolver] = {}
_audiences: dict[str, Audience] = {}


def register(subject_type: str, resolver: Resolver, audience: Audience | None = None) -> None:
    _resolvers[subject_type] = resolver
    if audience is not None:
        _audiences[subject_type] = audience


def audience(session: Session, subject: tuple[str, int] | None, readers: list) -> set[int]:
    """The ids of ``readers`` who may see ``subject`` now (everyone, for no subject). A deleted
    subject has no audience: nobody is told about it."""
    if subject is None:
        return {r.id for r in readers}
    subject_type, subject_id = subject
    fast = _audiences.get(subject_type)
    if fast is not None:
        return fast(session, subject_id, readers)
    resolver = _resolvers.get(subject_type)
    if resolver is None:  # a type nobody resolves: it has no title to leak
        return {r.id for r in readers}
    out = set()
    for reader in readers:
        found = resolver(session, reader, {subject_id}).get(subject_id)
        if found is not None and found is not GONE:
            out.add(reader.id)
    return out


def resolve(session: Session, reader, refs: Iterable[tuple[str | None, int | None]]) -> dict[tuple[str, int], Subject]:
    """``{(type, id): Subject | GONE}`` for the references the reader may know of, one resolver
    call per type."""
    by_type: dict[str, set[int]] = {}
    for subject_type, subject_id in refs:
        if subject_type is not None and subject_id is not None:
            by_type.setdefault(subject_type, set()).add(subject_id)
    out: dict[tuple[str, int], Subject] = {}
    for subject_type, ids in by_type.items():
        resolver = _resolvers.get(subject_type)
        if resolver is None:
            continue
        for subject_id, subject in resolver(session, reader, ids).items():
            out[(subject_type, subject_id)] = subject
    return out


def questions(session: Session, reader, ids: set[int]) -> dict[int, Subject]:
    """Questions: deleted ones are tombstones, hidden ones are left out (app.forum.access)."""
    from sqlalchemy import select

    from app.forum import access
    from app.forum.models import Question
    from app.forum.urls import question_url

    out: dict[int, Subject] = {}
    for question in session.scalars(select(Question).where(Question.id.in_(ids))):
        if question.is_deleted:
            out[question.id] = GONE
        elif access.can_view(question, reader):
            out[question.id] = Subject(question.title, question_url(question))
    return out


def question_audience(session: Session, question_id: int, readers: list) -> set[int]:
    """Who of ``readers`` may see the live question ``question_id`` (one load, no per-reader query)."""
    from app.forum import access
    from app.forum.models import Question

    question = session.get(Question, question_id)
    if question is None or question.is_deleted:
        return set()
    return {r.id for r in readers if access.can_view(question, r)}
