"""View models of the notifications pages: the inbox and the settings form's starting values.
Everything a template shows is loaded here, in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import slots
from app.forum import access
from app.forum.models import Question
from app.notifications import kinds, services, subjects
from app.notifications.models import Notification


@dataclass
class Item:
    note: Notification
    text: str
    url: str | None
    gone: bool


@dataclass
class Waiting:
    """A question that waits for this user: routed to them, or escalated to them as a moderator."""
    note: Notification
    question: Question
    panels: list[Markup] = field(default_factory=list)


@dataclass
class Inbox:
    items: list[Item]
    waiting: list[Waiting]
    unread: int
    latest_id: int


def inbox(session: Session, user, forms: dict | None = None) -> Inbox:
    """Recent notifications (as the user may see their subjects now: a tombstone for a deleted
    question, no title for a hidden one), and the questions still waiting for the user's action:
    unresolved routed and escalated notifications about questions that are still open. Other
    domains add to each waiting question through the keyed slot ``notifications.waiting``
    (the experts' "why you" and decline form): ``keys`` are question ids, with ``viewer``,
    ``notes`` (question id -> notification) and ``forms``."""
    notes = services.recent(session, user.id)
    resolved = services.resolve_subjects(session, user.id, notes)
    names = services.actor_names(session, notes)
    items = []
    for note in notes:
        subject = services.subject_of(note, resolved)
        shown = subject is not None and subject is not subjects.GONE
        items.append(Item(note, services.sentence(note, subject, names.get(note.actor_id)),
                          subject.url if shown else None, subject is subjects.GONE))
    settling = [k.code for k in kinds.all_kinds() if k.settles]
    open_notes = list(session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind.in_(settling), Notification.resolved_at.is_(None),
        Notification.question_id.is_not(None)).order_by(Notification.id.desc()).limit(50)))
    by_question: dict[int, Notification] = {}
    for note in open_notes:
        by_question.setdefault(note.question_id, note)
    questions = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(list(by_question))))} \
        if by_question else {}
    waiting = [Waiting(note, questions[qid]) for qid, note in by_question.items()
               if qid in questions and access.can_view(questions[qid], user) and not questions[qid].is_deleted
               and not questions[qid].is_closed and questions[qid].accepted_answer_id is None]
    panels = slots.fill_each("notifications.waiting", [w.question.id for w in waiting], viewer=user,
                             notes={w.question.id: w.note for w in waiting}, forms=forms or {})
    for w in waiting:
        w.panels = panels.get(w.question.id, [])
    return Inbox(items, waiting, services.unread_count(session, user.id), services.latest_id(session, user.id))
