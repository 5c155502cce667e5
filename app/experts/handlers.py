"""Forum signal receivers: log the facts routing learns from, route new questions after commit.

Events are written in the sender's transaction (an answer and its event commit together, so
the in-memory index never learns of an answer that was rolled back). Routing a new question
is background work queued after commit: the question must exist for the job's session, and
the asker's request must not wait for, or fail because of, routing.
"""
from __future__ import annotations

from sqlalchemy import select, update

from app import signals
from app.db import after_commit, session_of, utcnow
from app.experts.models import (CandidateState, DecisionStatus, EventKind, ExpertiseEvent, RoutingCandidate,
                                RoutingDecision)
from app.forum.models import Answer, Question


def _log(obj, kind: EventKind, *, user_id, question_id=None, answer_id=None, value: int = 0) -> None:
    session_of(obj).add(ExpertiseEvent(kind=kind.value, user_id=user_id, question_id=question_id,
                                       answer_id=answer_id, value=value, occurred_at=utcnow()))


def on_question_asked(question: Question, *, by, **_):
    _log(question, EventKind.ask, user_id=question.author_id, question_id=question.id)
    from app.experts import routing
    from app.jobs import enqueue
    after_commit(session_of(question), enqueue, routing.route_question_job, question.id)


def on_question_edited(question: Question, *, changed=(), **_):
    # New tags change the graph's evidence; a new scope moves the text to other readers.
    if {"tags", "visibility", "team"} & set(changed):
        _log(question, EventKind.retag, user_id=question.author_id, question_id=question.id)


def on_answer_posted(answer: Answer, *, by, **_):
    _log(answer, EventKind.answer, user_id=answer.author_id, question_id=answer.question_id, answer_id=answer.id)
    _mark_answered(answer)


def on_answer_accepted(answer: Answer, **_):
    _log(answer, EventKind.accept, user_id=answer.author_id, question_id=answer.question_id,
         answer_id=answer.id, value=1)


def on_answer_unaccepted(answer: Answer, **_):
    _log(answer, EventKind.accept, user_id=answer.author_id, question_id=answer.question_id,
         answer_id=answer.id, value=0)


def on_vote(post, **_):
    if isinstance(post, Answer):  # votes on questions say nothing about who can answer
        _log(post, EventKind.score, user_id=post.author_id, question_id=post.question_id,
             answer_id=post.id, value=post.score)


def on_comment_posted(comment, *, by, **_):
    _log(comment, EventKind.activity, user_id=by.id)


def on_question_closed(question: Question, **_):
    from app.experts import escalation
    escalation.unwatch(session_of(question), question.id)


def on_post_deleted(post, **_):
    if isinstance(post, Question):
        from app.experts import escalation
        escalation.unwatch(session_of(post), post.id)
    if isinstance(post, Answer):
        _log(post, EventKind.answer_removed, user_id=post.author_id, question_id=post.question_id,
             answer_id=post.id)
    elif isinstance(post, Question):  # what was written on it leaves the index with it
        _log(post, EventKind.retag, user_id=post.author_id, question_id=post.id)


def on_post_undeleted(post, **_):
    if isinstance(post, Answer):
        _log(post, EventKind.answer, user_id=post.author_id, question_id=post.question_id, answer_id=post.id)
    elif isinstance(post, Question):
        _log(post, EventKind.retag, user_id=post.author_id, question_id=post.id)


def on_bounty_offered(bounty, *, question: Question, **_):
    """A bounty makes the question worth more people's time: ask more of them after commit."""
    from app.experts import routing
    from app.jobs import enqueue
    after_commit(session_of(bounty), enqueue, routing.boost_route_job, question.id)


def _mark_answered(answer: Answer) -> None:
    """An answer ends its author's open route on that question and marks the decision answered."""
    session = session_of(answer)
    decision_id = session.scalar(select(RoutingDecision.id).where(RoutingDecision.question_id == answer.question_id))
    if decision_id is None:
        return
    session.execute(update(RoutingCandidate)
                    .where(RoutingCandidate.decision_id == decision_id,
                           RoutingCandidate.user_id == answer.author_id,
                           RoutingCandidate.state.in_([CandidateState.notified.value, CandidateState.ranked.value]))
                    .values(state=CandidateState.answered.value, answered_at=utcnow()))
    session.execute(update(RoutingDecision).where(RoutingDecision.id == decision_id)
                    .values(status=DecisionStatus.answered.value, updated_at=utcnow()))
    from app.experts import escalation
    escalation.unwatch(session, answer.question_id)  # answered: nothing more to escalate


_RECEIVERS = (
    (signals.question_asked, on_question_asked),
    (signals.question_edited, on_question_edited),
    (signals.answer_posted, on_answer_posted),
    (signals.answer_accepted, on_answer_accepted),
    (signals.answer_unaccepted, on_answer_unaccepted),
    (signals.vote_cast, on_vote),
    (signals.vote_retracted, on_vote),
    (signals.comment_posted, on_comment_posted),
    (signals.question_closed, on_question_closed),
    (signals.post_deleted, on_post_deleted),
    (signals.post_undeleted, on_post_undeleted),
    (signals.bounty_offered, on_bounty_offered),
)


def connect_handlers() -> None:
    """Idempotent (module-level receivers, keyed by identity); strong references. Also
    registers the escalation sweep (app.experts.escalation) with the periodic jobs."""
    from app.experts import escalation
    from app.jobs import register_periodic

    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
    # Every minute (ESCALATION_SWEEP_SECONDS): steps are minutes apart, and a sweep with nothing
    # due is one indexed read.
    register_periodic("experts.escalation", 60.0, escalation.sweep_job, setting="ESCALATION_SWEEP_SECONDS")


def disconnect_handlers() -> None:
    for signal, receiver in _RECEIVERS:
        signal.disconnect(receiver)
