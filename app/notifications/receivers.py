"""Forum (and points) signals turned into notifications, in the sender's transaction.

Each event tells each person once, with the most specific kind that applies (a mention beats
"an answer on your question", which beats "activity on a question you follow"), and the rules
of ``services.notify_many`` decide the rest (not the actor, not a solved question, only readers
who may see it, as each reader chose). Questions that no longer wait for an answer settle the
notifications that asked for one.
"""
from __future__ import annotations

from app import signals
from app.db import session_of
from app.forum.models import Answer, Question
from app.notifications import follows, services


class _Told:
    """Who this event already told, so nobody gets two notifications for one thing."""

    def __init__(self, session, question: Question, by):
        self.session, self.question, self.by = session, question, by
        self.ids: set[int] = {by.id} if by is not None else set()

    def tell(self, user_ids, kind: str, *, solving: bool = False, **payload) -> None:
        fresh = [uid for uid in user_ids if uid is not None and uid not in self.ids]
        if not fresh:
            return
        services.notify_many(self.session, fresh, kind, question_id=self.question.id,
                             actor_id=self.by.id if self.by is not None else None, payload=payload, solving=solving)
        # Told or refused by the rules, either way nobody hears of this event twice.
        self.ids.update(fresh)


def _mentions(told: _Told, post_type: str, post) -> None:
    told.tell(follows.new_mentions(told.session, post_type, post.id, post.body_md or ""), "mention")


def on_question_asked(question: Question, *, by, **_):
    session = session_of(question)
    follows.auto_follow(session, by.id, question.id)
    told = _Told(session, question, by)
    _mentions(told, "question", question)
    tags = [t.id for t in question.tags]
    told.tell(follows.followers(session, "tag", tags), "tag_question", tag=", ".join(question.tag_names))
    told.tell(follows.followers(session, "user", [by.id]), "user_post", event="ask")


def on_question_edited(question: Question, *, by, **_):
    _mentions(_Told(session_of(question), question, by), "question", question)


def on_answer_posted(answer: Answer, *, by, **_):
    session = session_of(answer)
    question = answer.question
    told = _Told(session, question, by)
    _mentions(told, "answer", answer)
    told.tell([question.author_id], "answer")
    told.tell(follows.followers(session, "question", [question.id]), "followed", event="answer")
    told.tell(follows.followers(session, "user", [by.id]), "user_post", event="answer")
    follows.auto_follow(session, by.id, question.id)
    # The question has an answer: routed experts and moderators are no longer waited for.
    services.resolve(session, question_id=question.id)


def on_answer_edited(answer: Answer, *, by, **_):
    _mentions(_Told(session_of(answer), answer.question, by), "answer", answer)


def on_answer_accepted(answer: Answer, *, by, **_):
    session = session_of(answer)
    question = answer.question
    told = _Told(session, question, by)
    told.tell([answer.author_id], "accepted", solving=True)
    told.tell(follows.followers(session, "question", [question.id]), "followed", event="accepted", solving=True)
    services.resolve(session, question_id=question.id)


def on_comment_posted(comment, *, by, post, **_):
    session = session_of(comment)
    question = post if isinstance(post, Question) else post.question
    told = _Told(session, question, by)
    _mentions(told, "comment", comment)
    told.tell([post.author_id], "comment", on="question" if isinstance(post, Question) else "answer")
    told.tell(follows.followers(session, "question", [question.id]), "followed", event="comment")


def on_question_closed(question: Question, *, by, **_):
    session = session_of(question)
    services.resolve(session, question_id=question.id)
    told = _Told(session, question, by)
    told.tell(follows.followers(session, "question", [question.id]), "followed", event="closed")


def on_post_deleted(post, **_):
    # A deleted question waits for nobody; its notifications stay, as tombstones.
    if isinstance(post, Question):
        services.resolve(session_of(post), question_id=post.id)


def on_badge_awarded(user, *, badge: str, award=None, **_):
    """The points domain's badge: a notification about the badge award (its resolver, if the
    points domain registers one for "badge", gives it a title and a link)."""
    award_id = getattr(award, "id", None)
    tag = getattr(award, "tag", None)
    if tag is not None and not isinstance(tag, str):  # a Tag row rather than its name
        tag = getattr(tag, "name", str(tag))
    services.notify(session_of(user), user.id, "badge", subject=("badge", award_id) if award_id else None,
                    payload={"badge": badge, "tag": tag})


_RECEIVERS = (
    (signals.question_asked, on_question_asked),
    (signals.question_edited, on_question_edited),
    (signals.answer_posted, on_answer_posted),
    (signals.answer_edited, on_answer_edited),
    (signals.answer_accepted, on_answer_accepted),
    (signals.comment_posted, on_comment_posted),
    (signals.question_closed, on_question_closed),
    (signals.post_deleted, on_post_deleted),
    (signals.badge_awarded, on_badge_awarded),
)


def connect_receivers() -> None:
    """Idempotent (module-level receivers, strong references)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
