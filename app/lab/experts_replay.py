"""Replay a Stack Exchange dump in time order through the app's own services.

``flask experts replay DIR --out FILE.jsonl`` builds a scratch application on a fresh
database and re-enacts the site's history when it happened (``app.db.frozen_clock``):
users register, questions are asked, answers posted, comments written, answers accepted and
votes cast, each through the forum services, so the signals, the points ledger, the event
log and routing all run exactly as in production. When a question is asked, the normal
after-commit job routes it, seeing only the past; its decision becomes one JSON line.

What the dump does not say, and what the replay assumes (documented for the closing note):
* Votes are anonymous and dated to the day: each is cast by a placeholder voter account
  (inactive, never routed) at the *end* of its day, so no vote is known before it happened.
* Acceptances have no time; an AcceptedByOriginator vote dates them to a day (end of day),
  else the end of the answer's own day. The asker accepts; for a deleted asker, a
  placeholder moderator does.
* Posts by deleted users belong to one inactive placeholder account (never routed).
* Every question is public; every replayed user is staff, so they can create the site's tags.
"""
from __future__ import annotations

import itertools
import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path


from app.importer import stackexchange as se
from app.importer.usernames import username_for

# Tie order within one timestamp: people exist before they post, questions before answers.
USER, QUESTION, ANSWER, COMMENT, ACCEPT, VOTE = range(6)
ACCEPT_VOTE = 1


@dataclass
class ReplayStats:
    questions: int = 0
    routed: int = 0
    notified: int = 0
    answers: int = 0
    comments: int = 0
    votes: int = 0
    accepts: int = 0
    skipped: dict = field(default_factory=lambda: defaultdict(int))


def _end_of_day(at: datetime) -> datetime:
    return datetime.combine(at.date(), time(23, 59, 59))


def history(directory: str | Path, until: datetime | None = None) -> list[tuple[datetime, int, int, object]]:
    """Every replayable event of the dump as (time, kind, sequence, row), in time order."""
    seq = itertools.count()
    events: list[tuple[datetime, int, int, object]] = []
    for user in se.read_users(directory):
        if user.id > 0:
            events.append((user.creation_date, USER, next(seq), user))
    answers: dict[int, se.PostRow] = {}
    accepted: dict[int, int] = {}
    for post in se.read_posts(directory):
        if post.post_type_id == se.QUESTION:
            events.append((post.creation_date, QUESTION, next(seq), post))
            if post.accepted_answer_id:
                accepted[post.accepted_answer_id] = post.id
        elif post.post_type_id == se.ANSWER and post.parent_id:
            answers[post.id] = post
            events.append((post.creation_date, ANSWER, next(seq), post))
    accept_day: dict[int, datetime] = {}
    for vote in se.read_votes(directory):
        if vote.creation_date is None:
            continue
        if vote.vote_type_id in (se.UPVOTE, se.DOWNVOTE):
            events.append((_end_of_day(vote.creation_date), VOTE, next(seq), vote))
        elif vote.vote_type_id == ACCEPT_VOTE and vote.post_id in accepted:
            accept_day.setdefault(vote.post_id, vote.creation_date)
    for answer_id, question_id in accepted.items():
        answer = answers.get(answer_id)
        if answer is not None:
            day = max(accept_day.get(answer_id, answer.creation_date), answer.creation_date)
            events.append((_end_of_day(day), ACCEPT, next(seq), (question_id, answer_id)))
    for comment in se.read_comments(directory):
        events.append((comment.creation_date, COMMENT, next(seq), comment))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    if until is not None:
        events = [e for e in events if e[0] < until]
    return events


def scratch_app(database_url: str | None = None, workdir: str | None = None):
    """An application on a fresh database, with limits relaxed for real-world posts (a
    four-character title, a 60k-character body) and jobs run inline so each question is routed
    before the next event."""
    from app import create_app
    from app.extensions import db
    from config import TestingConfig

    workdir = workdir or tempfile.mkdtemp(prefix="qa-replay-")
    url = database_url or f"sqlite:///{Path(workdir) / 'replay.db'}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, TESTING=False,
                     SEARCH_DB_PATH=str(Path(workdir) / "replay.search.db"), JOBS_MODE="inline",
                     MIN_TITLE_LENGTH=1, MIN_BODY_LENGTH=1, MAX_BODY_LENGTH=1_000_000, MAX_COMMENT_LENGTH=100_000,
                     MAX_TITLE_LENGTH=300, MAX_TAGS=10, SEARCH_INDEX_ON_WRITE=False,
                     # Deterministic: ExpertiseRank is refreshed by the amount of change, not the wall clock.
                     EXPERTS_INDEX_OPTIONS={"authority_max_age": None, "authority_max_changes": 50})
    with app.app_context():
        db.create_all()
    return app


class Replayer:
    """Applies history events to the scratch app; call :meth:`run` inside its app context."""

    def __init__(self, session, site: str):
        self.session, self.site = session, site
        # The replay keeps every user, question and answer it made at hand; expiring them all at
        # each of the ~10^4 commits made reloading them the bulk of the run.
        (session() if hasattr(session, "registry") else session).expire_on_commit = False
        self.users: dict[int, object] = {}          # source user id -> User
        self.questions: dict[int, object] = {}      # source post id -> Question
        self.answers: dict[int, object] = {}        # source post id -> Answer
        self.source_of: dict[int, int] = {}         # local user id -> source user id
        self.voters: list = []
        self.votes_on: dict[int, int] = defaultdict(int)
        self.stats = ReplayStats()
        self.ghost = self._service_user("replay-deleted-user", "(deleted user)", "staff")
        self.moderator = self._service_user("replay-moderator", "(replay moderator)", "moderator")

    def _service_user(self, username: str, display: str, role: str):
        from app.accounts.services import create_user
        user = create_user(self.session, username, None, role=role, display_name=display)
        user.is_active_account = False  # never routed, never shown as an expert
        return user

    @staticmethod
    @contextmanager
    def _acting(user):
        """Placeholder accounts stay inactive (so routing never picks them) except while they
        act: flask-login counts an inactive account as not logged in, and the services agree."""
        placeholder = not user.is_active_account
        user.is_active_account = True
        try:
            yield user
        finally:
            if placeholder:
                user.is_active_account = False

    def _voter(self, n: int):
        while len(self.voters) <= n:
            self.voters.append(self._service_user(f"replay-voter-{len(self.voters) + 1}", "(voter)", "staff"))
        return self.voters[n]

    def _author(self, source_id: int | None):
        return self.users.get(source_id) if source_id is not None else None

    def apply(self, kind: int, row) -> dict | None:
        """Apply one event; returns the JSON line for a question, else None."""
        from app.errors import DomainError
        try:
            if kind == QUESTION:
                return self._ask(row)
            with self.session.begin_nested():  # a refused event undoes only itself
                self._apply(kind, row)
        except DomainError as err:
            what = ("user", "question", "answer", "comment", "accept", "vote")[kind]
            self.stats.skipped[f"{type(err).__name__} on {what}"] += 1
        return None

    def _apply(self, kind: int, row) -> None:
        from app.forum import services
        if kind == USER:
            from app.accounts.services import create_user
            user = create_user(self.session, username_for(row.display_name, row.id), None, role="staff",
                               display_name=(row.display_name or "user")[:100])
            user.source_site, user.source_id = self.site, row.id
            self.session.flush()
            self.users[row.id], self.source_of[user.id] = user, row.id
        elif kind == ANSWER:
            question = self.questions.get(row.parent_id)
            if question is None:
                self.stats.skipped["answer to a skipped question"] += 1
                return
            with self._acting(self._author(row.owner_user_id) or self.ghost) as by:
                self.answers[row.id] = services.post_answer(self.session, question, body=row.body or "-", by=by)
            self.stats.answers += 1
        elif kind == COMMENT:
            post = self.questions.get(row.post_id) or self.answers.get(row.post_id)
            by = self._author(row.user_id)
            if post is None or by is None:
                return
            services.post_comment(self.session, post, body=row.text or "-", by=by)
            self.stats.comments += 1
        elif kind == ACCEPT:
            question_id, answer_id = row
            answer, question = self.answers.get(answer_id), self.questions.get(question_id)
            if answer is None or question is None:
                return
            by = question.author if question.author is not None and question.author.id != self.ghost.id \
                else self.moderator
            with self._acting(by):
                services.accept_answer(self.session, answer, by=by)
            self.stats.accepts += 1
        elif kind == VOTE:
            post = self.questions.get(row.post_id) or self.answers.get(row.post_id)
            if post is None:
                return
            voter = self._voter(self.votes_on[row.post_id])
            self.votes_on[row.post_id] += 1
            with self._acting(voter):
                services.set_vote(self.session, post, 1 if row.vote_type_id == se.UPVOTE else -1, by=voter)
            self.stats.votes += 1

    def _ask(self, row) -> dict | None:
        from app.experts.queries import decision_for
        from app.forum import services
        from app.markup import normalize_tag
        tags = [normalize_tag(t) for t in row.tags][:10]
        with self.session.begin_nested(), self._acting(self._author(row.owner_user_id) or self.ghost) as by:
            question = services.ask_question(self.session, title=row.title or "(untitled)", body=row.body or "-",
                                             tags=tags or ["untagged"], by=by, visibility="public")
        # Commits the events since the last question too; the after-commit job routes it now.
        self.session.commit()  # the after-commit job routes it now (JOBS_MODE=inline)
        self.questions[row.id] = question
        self.stats.questions += 1
        decision = decision_for(self.session, question.id)
        if decision is None:
            self.stats.skipped["question not routed"] += 1
            return None
        self.stats.routed += 1
        ranked = [self.source_of[c.user_id] for c in decision.candidates if c.user_id in self.source_of]
        notified = [self.source_of[c.user_id] for c in decision.candidates
                    if c.notified_at is not None and c.user_id in self.source_of]
        self.stats.notified += len(notified)
        return {"question": row.id, "asker": row.owner_user_id if row.owner_user_id in self.users else None,
                "ranked": ranked, "notified": notified, "at": row.creation_date.isoformat()}

    def run(self, events, write: Callable[[dict], None], progress: Callable[[int], None] | None = None) -> ReplayStats:
        from app.db import frozen_clock
        for at, kind, _, row in events:
            with frozen_clock(at):
                line = self.apply(kind, row)
            if line is not None:
                write(line)
            if progress:
                progress(1)
        self.session.commit()
        return self.stats


def iter_jsonl(path: str | Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
