"""Live question pages: a room per question, joined only by viewers who may see it, and an event
after every change a page shows (answers, comments, votes, acceptance, closing, edits, deletes).

The event carries ids only (``{"question_id", "event", "answer_id"?, "comment_id"?}``): the page
fetches what changed through the viewer's own HTTP request, so it never receives more than that
viewer may see. Access is checked when joining and again at every emit: the watchers of a
question (a dict, or a Redis hash per question with ``REDIS_URL`` so any process can emit) are
checked with ``app.forum.access.can_view`` and whoever may no longer see the question is taken
out of the room and skipped.
"""
from __future__ import annotations

import logging
import threading

from flask import current_app

from app import signals
from app.db import after_commit, session_of

log = logging.getLogger(__name__)


def question_room(question_id: int) -> str:
    return f"question:{question_id}"


class MemoryWatchers:
    """Who watches which question, in one process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_question: dict[int, dict[str, int]] = {}
        self._by_sid: dict[str, set[int]] = {}

    def add(self, question_id: int, sid: str, user_id: int) -> None:
        with self._lock:
            self._by_question.setdefault(question_id, {})[sid] = user_id
            self._by_sid.setdefault(sid, set()).add(question_id)

    def remove(self, question_id: int, sid: str) -> None:
        with self._lock:
            self._by_question.get(question_id, {}).pop(sid, None)
            if not self._by_question.get(question_id):
                self._by_question.pop(question_id, None)
            self._by_sid.get(sid, set()).discard(question_id)

    def forget(self, sid: str) -> None:
        """The socket disconnected: it watches nothing any more."""
        with self._lock:
            questions = self._by_sid.pop(sid, set())
        for qid in questions:
            self.remove(qid, sid)

    def members(self, question_id: int) -> dict[str, int]:
        with self._lock:
            return dict(self._by_question.get(question_id, {}))


class RedisWatchers(MemoryWatchers):
    """The watchers of every process, in one Redis hash per question (sid -> user id). Each
    process also remembers its own sids, to clean up when they disconnect; a process that dies
    leaves entries that expire with the hash (a day after its last watcher joined)."""

    PREFIX = "qaforum:realtime:watch:"
    TTL = 24 * 3600

    def __init__(self, url: str):
        super().__init__()
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def add(self, question_id: int, sid: str, user_id: int) -> None:
        super().add(question_id, sid, user_id)
        key = f"{self.PREFIX}{question_id}"
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(key, sid, user_id)
        pipe.expire(key, self.TTL)
        pipe.execute()

    def remove(self, question_id: int, sid: str) -> None:
        super().remove(question_id, sid)
        self._redis.hdel(f"{self.PREFIX}{question_id}", sid)

    def members(self, question_id: int) -> dict[str, int]:
        raw = self._redis.hgetall(f"{self.PREFIX}{question_id}")
        return {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}


def can_watch(session, question_id: int, user_ids) -> set[int]:
    """Which of ``user_ids`` may see the question now (none if it is gone)."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.forum import access
    from app.forum.models import Question

    question = session.get(Question, question_id)
    if question is None:
        return set()
    users = session.scalars(select(User).where(User.id.in_(list(set(user_ids))), User.is_active_account.is_(True)))
    return {u.id for u in users if access.can_view(question, u)}


def emit_question_event(app, session, question_id: int, payload: dict) -> int:
    """Send ``payload`` to the question's room, skipping (and removing) every watcher who may no
    longer see it; returns how many sockets it was meant for. Runs after commit."""
    from app.extensions import socketio
    from app.realtime.server import realtime_of

    realtime = realtime_of(app)
    room = question_room(question_id)
    members = realtime.watchers.members(question_id)
    if not members:
        return 0
    from app.notifications.services import end_read

    try:
        allowed = can_watch(session, question_id, members.values())
    finally:
        end_read(session)
    denied = [sid for sid, uid in members.items() if uid not in allowed]
    for sid in denied:
        realtime.watchers.remove(question_id, sid)
        try:
            socketio.server.leave_room(sid, room, namespace="/")
        except Exception:  # the socket is gone already; skip_sid below covers the rest
            log.debug("could not take %s out of %s", sid, room, exc_info=True)
    if len(denied) < len(members):
        socketio.emit("question", {"question_id": question_id, **payload}, to=room, skip_sid=denied or None)
    return len(members) - len(denied)


def _queue(obj, question_id: int, **payload) -> None:
    session = session_of(obj)
    after_commit(session, emit_question_event, current_app._get_current_object(), session, question_id, payload)


def _question_id(post) -> int:
    from app.forum.models import Question

    return post.id if isinstance(post, Question) else post.question_id


def _post_ids(post) -> dict:
    from app.forum.models import Answer

    return {"answer_id": post.id} if isinstance(post, Answer) else {}


def on_answer_posted(answer, **_):
    _queue(answer, answer.question_id, event="answer", answer_id=answer.id)


def on_answer_edited(answer, **_):
    _queue(answer, answer.question_id, event="edited", answer_id=answer.id)


def on_question_edited(question, **_):
    _queue(question, question.id, event="edited")


def on_accepted(answer, **_):
    _queue(answer, answer.question_id, event="accepted", answer_id=answer.id)


def on_unaccepted(answer, **_):
    _queue(answer, answer.question_id, event="unaccepted", answer_id=answer.id)


def on_comment(comment, *, post, **_):
    _queue(comment, _question_id(post), event="comment", comment_id=comment.id, **_post_ids(post))


def on_vote(post, **_):
    _queue(post, _question_id(post), event="vote", **_post_ids(post))


def on_closed(question, **_):
    _queue(question, question.id, event="closed")


def on_reopened(question, **_):
    _queue(question, question.id, event="reopened")


def on_deleted(post, **_):
    _queue(post, _question_id(post), event="deleted", **_post_ids(post))


def on_undeleted(post, **_):
    _queue(post, _question_id(post), event="undeleted", **_post_ids(post))


_RECEIVERS = (
    (signals.answer_posted, on_answer_posted), (signals.answer_edited, on_answer_edited),
    (signals.question_edited, on_question_edited), (signals.answer_accepted, on_accepted),
    (signals.answer_unaccepted, on_unaccepted), (signals.comment_posted, on_comment),
    (signals.vote_cast, on_vote), (signals.vote_retracted, on_vote), (signals.question_closed, on_closed),
    (signals.question_reopened, on_reopened), (signals.post_deleted, on_deleted),
    (signals.post_undeleted, on_undeleted),
)


def connect_receivers() -> None:
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
