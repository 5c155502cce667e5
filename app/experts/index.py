"""The in-memory expertise index of one process, kept in step with the database.

Routing must not rebuild the graph on the request path, yet every worker must learn of a
new answer, vote or acceptance quickly. So each process loads the graph and text profiles
once from the forum's tables, then *catches up* before each ranking by applying the
``expertise_events`` rows with a larger id than it has seen (one indexed query; usually a
handful of rows). The ExpertiseRank vector is the only whole-graph computation; it is
refreshed when the graph changed and ``authority_max_age`` seconds have passed (or
``authority_max_changes`` answers arrived), so new evidence reaches routing at once for
tags and text and within that interval for authority.

Text profiles are kept per visibility scope (:func:`scope_of`: a question's ``public``,
``internal`` or ``("team", id)``), so "who knows X" reads only the scopes its viewer may see
(:func:`visible_scopes`, the same rules as app.forum.access) while routing, whose ranking only
moderators and the person asked ever see, reads them all. A question that changes scope, or is
deleted or restored, is reloaded (the ``retag`` event), which moves or removes its text.
"""
from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import OrderedDict
from itertools import islice
from pathlib import Path
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.db import intent, utcnow
from app.experts.graph import ExpertiseGraph
from app.experts.models import EventKind, ExpertiseEvent
from app.experts.textsim import TextProfiles, tokenize
from app.forum.models import Answer, Comment, Question

log = logging.getLogger(__name__)

# How much a question the person asked counts in their text profile next to an answer:
# asking about something is weaker evidence than answering it, but it is the only text a
# newcomer has.
ASKED_WEIGHT = 0.3
BATCH = 2000
SNAPSHOT_EVERY = 5000  # events applied before the saved copy is written again
VOLUME_HALF_LIFE_DAYS = 30.0


class DecayedCounter:
    """Per-user sums of events that lose half their weight every ``half_life_days``.

    Each event is stored as 2**((at - anchor) / half_life) so nothing decays in place: at any
    moment every user shares the same "now" factor, which cancels in :meth:`normalised`. The
    anchor moves forward (and all values shrink) before the exponents could overflow."""

    TOP_KEEP = 256  # the leaders kept up to date incrementally: each ranking reads them

    def __init__(self, half_life_days: float = VOLUME_HALF_LIFE_DAYS):
        self.half_life = half_life_days * 86400.0
        self.anchor: datetime | None = None
        self.values: dict[int, float] = {}
        self.events: dict[object, tuple[int, float]] = {}
        self._top: dict[int, float] | None = None   # None: rebuild from ``values`` when read

    def add(self, key, user: int, at: datetime) -> None:
        self.remove(key)
        if self.anchor is None:
            self.anchor = at
        exponent = (at - self.anchor).total_seconds() / self.half_life
        if exponent > 500:
            shrink = 2.0 ** -exponent
            self.values = {u: v * shrink for u, v in self.values.items()}
            self.events = {k: (u, v * shrink) for k, (u, v) in self.events.items()}
            self.anchor, exponent, self._top = at, 0.0, None
        value = 2.0 ** exponent
        self.events[key] = (user, value)
        self.values[user] = total = self.values.get(user, 0.0) + value
        top = self._top
        # Only this user's total grew, so the leaders change only if it joins or is among them.
        if top is not None and (user in top or len(top) < self.TOP_KEEP or total > min(top.values())):
            top[user] = total
            if len(top) > self.TOP_KEEP:
                del top[min(top, key=top.__getitem__)]

    def remove(self, key) -> None:
        old = self.events.pop(key, None)
        if old is not None:
            user, value = old
            self.values[user] = max(self.values.get(user, 0.0) - value, 0.0)
            self._top = None  # a leader may have dropped: rebuild on the next read

    def _leaders(self) -> dict[int, float]:
        if self._top is None:
            self._top = {u: self.values[u] for u in heapq.nlargest(self.TOP_KEEP, self.values,
                                                                    key=self.values.__getitem__)}
        return self._top

    def normalised(self, user: int) -> float:
        best = max(self._leaders().values(), default=0.0)
        return self.values.get(user, 0.0) / best if best else 0.0

    def top(self, limit: int) -> list[int]:
        if limit > self.TOP_KEEP:
            return heapq.nlargest(limit, self.values, key=self.values.__getitem__)
        leaders = self._leaders()
        return heapq.nlargest(limit, leaders, key=leaders.__getitem__)


def scope_of(question: Question):
    """The text-profile scope of what was written on ``question``: who may read it."""
    if question.visibility == "team":
        return ("team", question.team_id)
    return question.visibility if question.visibility == "internal" else "public"


def visible_scopes(user) -> list | None:
    """The scopes ``user`` may read, as app.forum.access.visible_clause decides: public for
    anonymous visitors and customers; public, internal and their teams' for staff; None (every
    scope) for moderators and admins."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return ["public"]
    if user.is_moderator:
        return None
    return ["public", "internal", *(("team", t) for t in sorted(user.team_ids))]


def answer_weight(score: int, accepted: bool) -> float:
    """Text-profile weight of an answer: accepted and upvoted answers say more about the person."""
    return 1.0 + (1.0 if accepted else 0.0) + 0.25 * max(score, 0)


def question_text(question: Question) -> str:
    return " ".join([question.title, " ".join(t.name for t in question.tags)])


class ExpertiseIndex:
    """Graph + text profiles + last activity for one database. Thread-safe: one lock."""

    def __init__(self, *, authority_max_age: float | None = 30.0, authority_max_changes: int | None = 200,
                 snapshot: Path | None = None):
        self.graph = ExpertiseGraph()
        self.profiles = TextProfiles()
        # Last sign of life per user, ordered oldest to newest seen, so "who was around lately"
        # reads from the end instead of sorting every user at each ranking.
        self.last_active: OrderedDict[int, datetime] = OrderedDict()
        self.volume = DecayedCounter()
        self.watermark = 0
        self.user_watermark = 0   # users are not events: new accounts are read by id
        self.loaded = False
        self.lock = threading.RLock()
        self.authority_max_age = authority_max_age
        self.authority_max_changes = authority_max_changes
        self._changes = 0
        self._refreshed_at = float("-inf")
        self.snapshot = snapshot  # a saved copy (app.experts.snapshot): read instead of loading
        self._since_snapshot = 0  # events applied since it was written

    def __getstate__(self) -> dict:
        """What app.experts.snapshot saves: everything but the lock and the file's own name."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("lock", "snapshot")}
        state["_refreshed_at"] = float("-inf")  # monotonic clocks do not survive a restart
        return state

    def __setstate__(self, state: dict) -> None:
        snapshot = self.__dict__.get("snapshot")
        self.__dict__.update(state)
        self.lock = self.__dict__.get("lock") or threading.RLock()
        self.snapshot = snapshot

    # --- keeping up -------------------------------------------------------------------
    def sync(self, session: Session, *, refresh_authority: bool = True) -> None:
        """Load on first use, then apply new events; refresh authority when due. Pages pass
        ``refresh_authority=False``: only routing (a background job) pays for PageRank."""
        with self.lock:
            if not self.loaded:
                self._load(session)
            else:
                self._catch_up(session)
                if self.snapshot is not None and self._since_snapshot >= SNAPSHOT_EVERY:
                    self._write_snapshot(session)  # a restart then catches up on fewer events
            if refresh_authority:
                self._maybe_refresh_authority()

    def _maybe_refresh_authority(self) -> None:
        if not self._changes and self._refreshed_at > float("-inf"):
            return
        age_due = self.authority_max_age is not None and time.monotonic() - self._refreshed_at >= self.authority_max_age
        count_due = self.authority_max_changes is not None and self._changes >= self.authority_max_changes
        if age_due or count_due or self._refreshed_at == float("-inf"):
            self.graph.refresh_authority()
            self._refreshed_at = time.monotonic()
            self._changes = 0

    def _sort_activity(self) -> None:
        self.last_active = OrderedDict(sorted(self.last_active.items(), key=lambda kv: kv[1]))

    def _load(self, outer: Session) -> None:
        # Its own session, emptied batch by batch, so loading a big site neither holds every
        # post in memory nor detaches the caller's objects.
        # A plain read transaction: the caller may hold SQLite's write lock (BEGIN IMMEDIATE)
        # and its process's write gate, which a second writer in this thread would wait on forever.
        with intent(False), Session(outer.get_bind()) as session:
            if self.snapshot is not None and self._read_snapshot(session):
                return
            self._load_from(session)
            self._sort_activity()
            self.loaded = True
            if self.snapshot is not None:
                self._write_snapshot(session)

    def _read_snapshot(self, session: Session) -> bool:
        from app.experts import snapshot

        started = time.perf_counter()
        if not snapshot.load(self, session, self.snapshot):
            return False
        self.loaded = True
        log.info("expertise index read from %s in %.2f s (at event %d)", self.snapshot,
                 time.perf_counter() - started, self.watermark)
        self._catch_up(session)
        return True

    def _write_snapshot(self, session: Session) -> None:
        from app.experts import snapshot

        self._since_snapshot = 0  # a failed write is not retried at every request either
        try:
            snapshot.save(self, session, self.snapshot)
        except Exception:  # noqa: BLE001 (without a file the next process loads from the database)
            log.warning("expertise snapshot not written to %s", self.snapshot, exc_info=True)

    def _load_from(self, session: Session) -> None:
        # The watermark first: an event committed while loading is applied again by the next
        # catch-up, which is harmless because every event is idempotent (absolute values).
        self.watermark = session.scalar(select(func.max(ExpertiseEvent.id))) or 0
        self.user_watermark = session.scalar(select(func.max(User.id))) or 0
        last_id = 0
        while True:
            answers = list(session.scalars(
                select(Answer).join(Question, Answer.question_id == Question.id)
                .where(Answer.deleted_at.is_(None), Question.deleted_at.is_(None), Answer.id > last_id)
                .order_by(Answer.id).limit(BATCH)
                .options(selectinload(Answer.question).selectinload(Question.tags))))
            if not answers:
                break
            for answer in answers:
                self._add_answer(answer)
            last_id = answers[-1].id
            session.expunge_all()
        last_id = 0
        while True:
            questions = list(session.scalars(
                select(Question).where(Question.deleted_at.is_(None), Question.author_id.is_not(None),
                                       Question.id > last_id)
                .order_by(Question.id).limit(BATCH).options(selectinload(Question.tags))))
            if not questions:
                break
            for question in questions:
                self._add_asked(question)
            last_id = questions[-1].id
            session.expunge_all()
        for model, column in ((Question, Question.author_id), (Answer, Answer.author_id),
                              (Comment, Comment.author_id), (User, User.id)):
            stamp = model.created_at
            for user_id, at in session.execute(select(column, func.max(stamp)).where(column.is_not(None))
                                               .group_by(column)):
                self._seen(user_id, at)

    def _catch_up(self, session: Session) -> None:
        # A new account is a sign of life too: people often register to answer.
        for user_id, at in session.execute(select(User.id, User.created_at).where(User.id > self.user_watermark)
                                           .order_by(User.id)):
            self._seen(user_id, at)
            self.user_watermark = user_id
        while True:
            events = list(session.scalars(select(ExpertiseEvent).where(ExpertiseEvent.id > self.watermark)
                                          .order_by(ExpertiseEvent.id).limit(BATCH)))
            if not events:
                return
            for event in events:
                self._apply(session, event)
                self.watermark = event.id
            self._since_snapshot += len(events)

    def _apply(self, session: Session, event: ExpertiseEvent) -> None:
        kind = event.kind
        if event.user_id is not None:
            self._seen(event.user_id, event.occurred_at)
        if kind == EventKind.answer.value:
            answer = session.get(Answer, event.answer_id)
            if answer is not None and not answer.is_deleted and not answer.question.is_deleted:
                self._add_answer(answer)
        elif kind == EventKind.answer_removed.value:
            self._drop_answer(event.answer_id)
        elif kind == EventKind.score.value:
            self.graph.update_answer(event.answer_id, score=event.value)
            self._changes += 1
        elif kind == EventKind.accept.value:
            self.graph.update_answer(event.answer_id, accepted=bool(event.value))
            self._changes += 1
        elif kind == EventKind.ask.value:
            question = session.get(Question, event.question_id)
            if question is not None and not question.is_deleted:
                self._add_asked(question)
        elif kind == EventKind.retag.value:
            self._reload_question(session, event.question_id)

    def _reload_question(self, session: Session, question_id: int) -> None:
        """Bring a question's answers and asked text in line with it: new tags or scope, or
        deleted (everything written on it leaves) or restored."""
        question = session.get(Question, question_id)
        live = question is not None and not question.is_deleted
        for answer in session.scalars(select(Answer).where(Answer.question_id == question_id)):
            if live and not answer.is_deleted:
                self._add_answer(answer)
            else:
                self._drop_answer(answer.id)
        if live:
            self._add_asked(question)
        else:
            self.profiles.remove(("q", question_id))

    def _add_asked(self, question: Question) -> None:
        if question.author_id is not None:
            self.profiles.add(question.author_id, ("q", question.id), tokenize(question_text(question)),
                              weight=ASKED_WEIGHT, scope=scope_of(question))

    def _drop_answer(self, answer_id: int) -> None:
        self.graph.remove_answer(answer_id)
        self.profiles.remove(("a", answer_id))
        self.volume.remove(answer_id)
        self._changes += 1

    def _add_answer(self, answer: Answer) -> None:
        question = answer.question
        accepted = question.accepted_answer_id == answer.id
        tags = [t.name for t in question.tags]
        self.graph.add_answer(answer.id, answerer=answer.author_id, asker=question.author_id, tags=tags,
                              at=answer.created_at, score=answer.score, accepted=accepted)
        if answer.author_id is not None:
            text = " ".join([question_text(question), answer.body_md or ""])
            self.profiles.add(answer.author_id, ("a", answer.id), tokenize(text),
                              weight=answer_weight(answer.score, accepted), scope=scope_of(question))
            self.volume.add(answer.id, answer.author_id, answer.created_at)
            self._seen(answer.author_id, answer.created_at)
        self._changes += 1

    def _seen(self, user_id: int | None, at: datetime | None) -> None:
        if user_id is None or at is None:
            return
        if at > self.last_active.get(user_id, datetime.min):
            self.last_active[user_id] = at
            self.last_active.move_to_end(user_id)

    # --- reading (callers hold no lock: these are snapshots taken under it) --------------
    def days_idle(self, user_id: int, now: datetime | None = None) -> float | None:
        at = self.last_active.get(user_id)
        if at is None:
            return None
        return max(((now or utcnow()) - at).total_seconds(), 0.0) / 86400.0

    def _recent(self) -> Iterator[int]:
        """Users newest seen first (events arrive in time order, so this is by last activity)."""
        return reversed(self.last_active)

    def recent_newcomers(self, limit: int, max_answers: int) -> list[int]:
        """The most recently active people with at most ``max_answers`` answers (cold start)."""
        with self.lock:
            return list(islice((uid for uid in self._recent() if self.graph.answer_count(uid) <= max_answers),
                               limit))

    def most_active(self, limit: int, exclude: Iterable[int] = ()) -> list[int]:
        """The most recently active people: the candidates of last resort (padding the list)."""
        skip = set(exclude)
        with self.lock:
            return list(islice((uid for uid in self._recent() if uid not in skip), limit))


def index_for(app) -> ExpertiseIndex:
    """The process's index for this app (each app has its own database, so its own index)."""
    index = app.extensions.get("experts_index")
    if index is None:
        from app.experts.snapshot import path_for

        with app.app_context():
            path = path_for(app)
        index = app.extensions["experts_index"] = ExpertiseIndex(
            **{"snapshot": path, **app.config.get("EXPERTS_INDEX_OPTIONS", {})})
    return index
