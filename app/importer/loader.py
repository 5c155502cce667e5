"""Bulk writer: a validated Stack Exchange dump into the forum's real models.

Contract of :func:`import_dump`:

* One transaction. Every file is validated first (:mod:`app.importer.scan`), then rows are
  streamed again and inserted in chunks. Any error rolls the session back and re-raises, so
  a failure imports nothing. On success nothing is committed: the caller commits.
* Idempotent. A row whose ``(source_site, source_id)`` exists is skipped (existing ids are
  looked up once per table, not per row), and existing rows are never modified, except the
  derived counters below (recomputed from the rows themselves) and the accepted answer of a
  question that has none when the dump's accepted answer is new (a newer dump of the site).
* Same invariants as the services: usernames unique (case-insensitively); tags normalised and
  created when missing; ``Tag.question_count`` = live questions with the tag and
  ``Question.answer_count`` = live answers, recomputed at the end for what the import
  touched; every question and answer has revision 1 by its owner; stored HTML is sanitised.
* Scores. Votes.xml is anonymous (no voter for up/down votes), while a ``Vote`` row needs a
  voter and stands for "this user voted", which points and expert ranking build on. So the
  dump's ``Score`` becomes the post's base score (``votes.py``: score = base + Vote rows) and
  no Vote row is invented; Votes.xml is only tallied and checked against the scores.
* No signals are sent: receivers (routing, notifications) react to live activity, and
  replaying years of history through them would notify experts about old questions. Points
  are the exception, awarded directly by ``app.points.imported`` for the votes and accepts of
  the posts this run inserted, by the live rules and dated as in the dump, so ``flask points
  verify`` holds after an import. Imported users have no password (they cannot log in);
  rebuild the search index after an import.
* Bodies. A post's Body is HTML: it is kept as ``body_md`` (the source an edit starts from) and
  stored as ``body_html`` through the same nh3 allow-list that ends ``render_markdown``, but
  not through the Markdown parser, which turns HTML indented after a blank line into code
  blocks (two posts of the beer dump). Comment Text is Markdown and is rendered as such.
* Closing. ``closed_at`` comes from ClosedDate; the reason is known only for duplicates
  (PostLinks type 3 sets ``duplicate_of_id`` and, on a closed question, reason "duplicate"),
  so other closed questions have ``close_reason`` NULL rather than a guessed reason.
* Attribution (CC BY-SA, see the dumps' NOTICE.md): each post and comment keeps
  ``source_url``, ``source_author`` (the author's display name at the time of the dump) and
  ``license``. Tag wiki excerpts are not imported: tags have no attribution columns.

Memory is bounded by a few ints per row (id maps), never by the content.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.forum.models import Answer, Comment, Question, QuestionTag, Revision, Tag, Visibility
from app.forum.services.common import recount_tags
from app.importer import stackexchange as se
from app.importer.report import ImportReport
from app.importer.scan import DumpScan, scan_dump
from app.importer.usernames import unique_usernames, username_for
from app.markup import is_valid_tag, normalize_tag, render_markdown, sanitize_html, slugify

CHUNK = 500


def import_dump(session: Session, directory: str | Path, site: str | None = None, *,
                scan: DumpScan | None = None, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import the dump at ``directory`` (site host from ``site`` or the directory name, see
    :func:`app.importer.stackexchange.detect_site`) through ``session`` without committing.

    ``scan`` may be passed when the caller already validated the dump (to size a progress bar);
    ``progress(n)`` is called as rows are written, ``scan.load_rows`` in total.
    Raises ImportFormatError / ValueError for a bad dump, or any database error, after
    rolling the session back.
    """
    started = time.perf_counter()
    try:
        scan = scan or scan_dump(directory, site)
        report = _Loader(session, scan, progress).run()
    except BaseException:
        session.rollback()
        raise
    report.seconds = time.perf_counter() - started
    return report


def _chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Loader:
    def __init__(self, session: Session, scan: DumpScan, progress: Callable[[int], None] | None):
        self.s, self.scan, self.site = session, scan, scan.site
        self.progress = progress or (lambda _n: None)
        self.report = ImportReport(site=scan.site, votes=scan.votes, score_mismatches=scan.score_mismatches)
        self.users: dict[int, tuple[int, str]] = {}   # source id -> (id, display name)
        self.questions: dict[int, int] = {}           # source id -> id, existing and new
        self.answers: dict[int, int] = {}
        self.new_questions: set[int] = set()          # source ids imported by this run
        self.new_answers: set[int] = set()
        self.tag_ids: dict[str, int] = {}             # normalised name -> id
        self.tag_names: dict[str, str | None] = {}    # name as written -> normalised (None: invalid)
        self.touched_questions: set[int] = set()      # ids whose answer_count must be recomputed
        self.touched_tags: set[int] = set()
        self.accepts: list[dict] = []

    def run(self) -> ImportReport:
        self._load_users()
        self._load_tags()
        self._load_questions()
        self._load_answers()
        self._load_comments()
        self._link_duplicates()
        self._set_accepted()
        self._award_points()
        self._recount()
        self.report.skipped = +self.report.skipped  # unary plus drops the zero counts
        return self.report

    # --- helpers -------------------------------------------------------------------------------

    def _existing(self, model, *columns) -> list:
        return self.s.execute(select(model.source_id, *columns).where(model.source_site == self.site)).all()

    def _attribution(self, row, url: str, owner: tuple[int, str] | None, fallback_name: str | None) -> dict:
        author = owner[1] if owner else fallback_name
        return dict(source_site=self.site, source_id=row.id, source_url=url,
                    source_author=(author or None) and author[:100],
                    license=se.license_for(row.content_license, row.creation_date))

    def _insert(self, model, rows: list[dict], *returning) -> list:
        """Bulk INSERT of ``rows``; with ``returning`` columns, the rows RETURNING gives back
        (one round trip per batch). render_nulls keeps rows that differ in which columns are
        NULL in one batch: without it the ORM starts a new statement at every such change."""
        stmt = insert(model).returning(*returning) if returning else insert(model)
        result = self.s.execute(stmt, rows, execution_options={"render_nulls": True})
        return result.all() if returning else []

    def _insert_returning_ids(self, model, rows: list[dict]) -> dict[int, int]:
        """Insert ``rows`` and return {source id: new id}."""
        return dict(self._insert(model, rows, model.source_id, model.id))

    def _update_many(self, stmt, params: list[dict]) -> None:
        # Core executemany: the ORM's bulk-update-by-primary-key path refuses a WHERE clause.
        if params:
            self.s.connection().execute(stmt, params)

    # --- users -----------------------------------------------------------------------------------

    def _load_users(self) -> None:
        self.users = {sid: (uid, name) for sid, uid, name in self._existing(User, User.id, User.display_name)}
        for chunk in _chunks(se.read_users(self.scan.directory)):
            self.progress(len(chunk))
            fresh = [u for u in chunk if u.id not in self.users]
            self.report.skipped["already imported"] += len(chunk) - len(fresh)
            if not fresh:
                continue
            names = unique_usernames(self.s, {u.id: username_for(u.display_name, u.id) for u in fresh}, self.site)
            rows = {u.id: dict(username=names[u.id], display_name=(u.display_name.strip() or names[u.id])[:100],
                               role=Role.customer.value, password_hash=None, email=None, points=0,
                               about_html="", is_active_account=True, created_at=u.creation_date,
                               last_seen_at=u.last_access_date, source_site=self.site, source_id=u.id)
                    for u in fresh}
            for sid, uid in self._insert_returning_ids(User, list(rows.values())).items():
                self.users[sid] = (uid, rows[sid]["display_name"])
            self.report.users += len(fresh)

    # --- tags ------------------------------------------------------------------------------------

    def _load_tags(self) -> None:
        for raw in self.scan.tag_names:
            name = normalize_tag(raw)
            self.tag_names[raw] = name if is_valid_tag(name) else None
        self.report.skipped["invalid tags"] += sum(1 for n in self.tag_names.values() if n is None)
        wanted = sorted({n for n in self.tag_names.values() if n})
        for chunk in _chunks(wanted):
            self.tag_ids.update(self.s.execute(select(Tag.name, Tag.id).where(Tag.name.in_(chunk))).all())
        missing = [dict(name=n, description="", question_count=0, created_by_id=None)
                   for n in wanted if n not in self.tag_ids]
        for chunk in _chunks(missing):
            self.tag_ids.update(self._insert(Tag, chunk, Tag.name, Tag.id))
        self.report.tags = len(missing)

    def _tags_of(self, post: se.PostRow) -> list[str]:
        """The post's valid, normalised tag names, first occurrence kept, in order."""
        return list(dict.fromkeys(n for n in (self.tag_names.get(raw) for raw in post.tags) if n))

    # --- posts -----------------------------------------------------------------------------------

    def _posts(self, kind: int, known: dict[int, int]) -> Iterator[list[se.PostRow]]:
        """Chunks of new posts of ``kind``; counts skipped rows and reports progress."""
        def wanted() -> Iterator[se.PostRow]:
            number = 0
            for number, post in enumerate(se.read_posts(self.scan.directory), 1):
                if number % CHUNK == 0:
                    self.progress(CHUNK)
                if post.post_type_id == kind:
                    if post.id not in known:
                        yield post
                    else:
                        self.report.skipped["already imported"] += 1
                elif kind == se.ANSWER and post.post_type_id != se.QUESTION:
                    self.report.skipped["other post types"] += 1  # counted in one of the two passes
            self.progress(number % CHUNK)
        return _chunks(wanted())

    def _load_questions(self) -> None:
        self.questions = dict(self._existing(Question, Question.id))
        for chunk in self._posts(se.QUESTION, self.questions):
            rows, tags = [], {}
            for p in chunk:
                owner = self.users.get(p.owner_user_id)
                tags[p.id] = self._tags_of(p)
                rows.append(dict(
                    title=p.title[:200], slug=slugify(p.title), body_md=p.body,
                    body_html=sanitize_html(p.body), author_id=owner[0] if owner else None,
                    visibility=Visibility.public.value, score=p.score, answer_count=0,
                    view_count=p.view_count, created_at=p.creation_date, updated_at=p.last_edit_date,
                    last_activity_at=p.last_activity_date or p.creation_date, closed_at=p.closed_date,
                    **self._attribution(p, f"https://{self.site}/q/{p.id}", owner, p.owner_display_name)))
            ids = self._insert_returning_ids(Question, rows)
            self.questions.update(ids)
            self.new_questions.update(ids)
            self.touched_questions.update(ids.values())
            links = [dict(question_id=ids[p.id], tag_id=self.tag_ids[name], position=i)
                     for p in chunk for i, name in enumerate(tags[p.id])]
            if links:
                self._insert(QuestionTag, links)
            self.touched_tags.update(link["tag_id"] for link in links)
            self._add_revisions(chunk, ids, "question_id", row_tags=tags)
            self.report.questions += len(chunk)

    def _load_answers(self) -> None:
        self.answers = dict(self._existing(Answer, Answer.id))
        for chunk in self._posts(se.ANSWER, self.answers):
            rows, parents = [], {}
            for p in chunk:
                question_id = self.questions.get(p.parent_id)
                if question_id is None:
                    self.report.skipped["answers without question"] += 1
                    continue
                parents[p.id] = question_id
                owner = self.users.get(p.owner_user_id)
                rows.append(dict(
                    question_id=question_id, body_md=p.body, body_html=sanitize_html(p.body),
                    author_id=owner[0] if owner else None, score=p.score, created_at=p.creation_date,
                    updated_at=p.last_edit_date,
                    **self._attribution(p, f"https://{self.site}/a/{p.id}", owner, p.owner_display_name)))
            if not rows:
                continue
            ids = self._insert_returning_ids(Answer, rows)
            self.answers.update(ids)
            self.new_answers.update(ids)
            self.touched_questions.update(parents.values())
            self.accepts.extend(dict(q=parents[p.id], a=ids[p.id]) for p in chunk
                                if p.id in ids and self.scan.accepted.get(p.parent_id) == p.id)
            self._add_revisions([p for p in chunk if p.id in ids], ids, "answer_id")
            self.report.answers += len(ids)

    def _add_revisions(self, posts: list[se.PostRow], ids: dict[int, int], fk: str,
                       row_tags: dict[int, list[str]] | None = None) -> None:
        """Revision 1 of each new post, by its owner, as the services would have written it.
        The dump holds only the current text, so that is what revision 1 shows."""
        rows = []
        for p in posts:
            owner = self.users.get(p.owner_user_id)
            row = dict(number=1, author_id=owner[0] if owner else None, body_md=p.body, comment="",
                       created_at=p.creation_date, question_id=None, answer_id=None, title=None, tags=None)
            row[fk] = ids[p.id]
            if row_tags is not None:
                row.update(title=p.title[:200], tags=" ".join(row_tags[p.id])[:200])
            rows.append(row)
        if rows:
            self._insert(Revision, rows)
            self.report.revisions += len(rows)

    # --- comments --------------------------------------------------------------------------------

    def _load_comments(self) -> None:
        known = {sid for (sid,) in self._existing(Comment)}
        for chunk in _chunks(se.read_comments(self.scan.directory)):
            self.progress(len(chunk))
            rows = []
            for c in chunk:
                if c.id in known:
                    self.report.skipped["already imported"] += 1
                    continue
                if c.post_id in self.questions:
                    parent = dict(question_id=self.questions[c.post_id], answer_id=None)
                    url = f"https://{self.site}/q/{c.post_id}#comment{c.id}_{c.post_id}"
                elif c.post_id in self.answers:
                    parent = dict(question_id=None, answer_id=self.answers[c.post_id])
                    url = f"https://{self.site}/a/{c.post_id}#comment{c.id}_{c.post_id}"
                else:
                    self.report.skipped["comments without post"] += 1
                    continue
                owner = self.users.get(c.user_id)
                rows.append(dict(body_md=c.text, body_html=render_markdown(c.text), created_at=c.creation_date,
                                 author_id=owner[0] if owner else None, **parent,
                                 **self._attribution(c, url, owner, c.user_display_name)))
            if rows:
                self._insert(Comment, rows)
                self.report.comments += len(rows)

    # --- links and counters ----------------------------------------------------------------------

    def _link_duplicates(self) -> None:
        """duplicate_of_id from PostLinks type 3, for questions imported by this run (the first
        link of a question wins; a pair pointing both ways keeps only its first link). A closed
        duplicate gets close_reason "duplicate", as mark_duplicate would give it."""
        chosen: dict[int, int] = {}
        for dup_sid, original_sid in self.scan.duplicates:
            dup, original = self.questions.get(dup_sid), self.questions.get(original_sid)
            if dup is None or original is None:  # a post deleted before the dump was taken
                self.report.skipped["duplicate links to missing posts"] += 1
                continue
            if dup_sid not in self.new_questions or dup in chosen or original == dup:
                continue
            if chosen.get(original) == dup:
                continue
            chosen[dup] = original
        table = Question.__table__
        self._update_many(
            update(table).where(table.c.id == bindparam("dup")).values(
                duplicate_of_id=bindparam("original"),
                close_reason=case((table.c.closed_at.is_not(None), "duplicate"), else_=table.c.close_reason)),
            [dict(dup=d, original=o) for d, o in chosen.items()])
        self.report.duplicates = len(chosen)

    def _set_accepted(self) -> None:
        """Accepted answers imported by this run; a question that already has one keeps it."""
        table = Question.__table__
        self._update_many(
            update(table).where(table.c.id == bindparam("q"), table.c.accepted_answer_id.is_(None))
            .values(accepted_answer_id=bindparam("a")), self.accepts)
        self.report.accepted = len(self.accepts)

    def _award_points(self) -> None:
        """Points for the votes and the accept of every post this run inserted (see the module doc)."""
        from app.points import imported, rules

        posts: dict[int, rules.Post] = {}  # source post id -> the post as the rules see it
        by_id = {self.questions[s]: s for s in self.new_questions}
        for chunk in _chunks(sorted(by_id)):
            for qid, author in self.s.execute(select(Question.id, Question.author_id).where(Question.id.in_(chunk))):
                posts[by_id[qid]] = rules.Post("question", qid, qid, author)
        by_id = {self.answers[s]: s for s in self.new_answers}
        accepted: list[tuple[int, int | None]] = []  # (answer source id, asker id)
        for chunk in _chunks(sorted(by_id)):
            for aid, qid, author, asker, accepted_id in self.s.execute(
                    select(Answer.id, Answer.question_id, Answer.author_id, Question.author_id,
                           Question.accepted_answer_id).join(Question, Question.id == Answer.question_id)
                    .where(Answer.id.in_(chunk))):
                posts[by_id[aid]] = rules.Post("answer", aid, qid, author)
                if accepted_id == aid:
                    accepted.append((by_id[aid], asker))
        if not posts:
            return
        votes, accepted_at = [], {}
        if self.scan.has_votes:
            for v in se.read_votes(self.scan.directory):
                post = posts.get(v.post_id)
                if post is not None and v.vote_type_id in (se.UPVOTE, se.DOWNVOTE):
                    votes.append(imported.ImportedVote(v.id, post, 1 if v.vote_type_id == se.UPVOTE else -1,
                                                       v.creation_date))
                elif post is not None and v.vote_type_id == se.ACCEPTED_BY_ORIGINATOR:
                    accepted_at[v.post_id] = v.creation_date
        accepts = [imported.ImportedAccept(posts[sid], asker, accepted_at.get(sid)) for sid, asker in accepted]
        self.report.points_entries = imported.award_history(self.s, self.site, votes, accepts)

    def _recount(self) -> None:
        """Recompute the derived counters the services keep, from the rows, for what we touched."""
        live_answers = (select(func.count(Answer.id))
                        .where(Answer.question_id == Question.id, Answer.deleted_at.is_(None)).scalar_subquery())
        for chunk in _chunks(sorted(self.touched_questions)):
            self.s.execute(update(Question).where(Question.id.in_(chunk)).values(answer_count=live_answers),
                           execution_options={"synchronize_session": False})
        recount_tags(self.s, self.touched_tags)
