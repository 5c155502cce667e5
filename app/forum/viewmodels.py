"""Read-side view models for the forum's HTML pages that ``queries`` does not already build:
tag directory, user profile, revision history, team choices.

Like ``queries``, everything here applies ``access.visible_clause`` inside SQL and loads what
its template shows up front, so templates never trigger a query.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.accounts.models import Team, User
from app.errors import NotFound
from app.forum import access, queries
from app.forum.diffs import Chunk, diff_text, diff_words
from app.forum.models import Answer, Question, QuestionTag, Revision, Tag
from app.markup import normalize_tag
from app.pagination import Page


def team_choices(session: Session, user: User) -> list[tuple[int, str]]:
    """Teams ``user`` may post a team question to: their own; moderators any."""
    if access.can_moderate(user):
        return [(t.id, t.name) for t in session.scalars(select(Team).order_by(Team.name))]
    return sorted(((m.team.id, m.team.name) for m in user.memberships), key=lambda t: t[1])


# --- tags -----------------------------------------------------------------------

@dataclass
class TagCount:
    tag: Tag
    count: int  # questions the viewer can see


def tag_directory(session: Session, viewer: User | None, *, search: str = "", sort: str = "popular",
                  page: int = 1, per_page: int = 60) -> Page[TagCount]:
    """Tags with the number of questions *this viewer* may count; tags with none are left out."""
    found = queries.visible_tags(session, viewer, contains=normalize_tag(search), sort=sort, page=page,
                                 per_page=per_page)
    return Page(items=[TagCount(tag, n) for tag, n in found.items], total=found.total, page=page,
                per_page=per_page)


def find_tag(session: Session, name: str, viewer: User | None) -> Tag:
    """The tag, or NotFound when it does not exist or is used only on questions ``viewer`` may
    not see (a 200 would confirm internal vocabulary to an outsider)."""
    tag = session.scalar(select(Tag).where(Tag.name == normalize_tag(name)))
    if tag is None or not session.scalar(select(exists().where(
            QuestionTag.tag_id == tag.id, QuestionTag.question_id == Question.id, access.visible_clause(viewer)))):
        raise NotFound(_l("No such tag."))
    return tag


# --- users ----------------------------------------------------------------------

@dataclass
class UserProfile:
    user: User
    questions: Page[Question]
    answers: Page[Answer]
    answered: dict[int, Question] = field(default_factory=dict)  # question id -> question
    teams: list[Team] = field(default_factory=list)


def user_profile(session: Session, user_id: int, viewer: User | None, *, qpage: int = 1,
                 apage: int = 1, per_page: int = 10) -> UserProfile:
    """A user's visible questions and answers, the answered questions loaded in one query."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such user."))
    questions = queries.list_questions(session, viewer, author_id=user.id, page=qpage, per_page=per_page)
    answers = queries.list_answers_by(session, viewer, user.id, page=apage, per_page=per_page)
    ids = {a.question_id for a in answers.items}
    answered = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(ids)))} if ids else {}
    teams = sorted((m.team for m in user.memberships), key=lambda t: t.name)
    return UserProfile(user=user, questions=questions, answers=answers, answered=answered, teams=teams)


# --- revisions ------------------------------------------------------------------

@dataclass
class RevisionView:
    revision: Revision
    is_first: bool
    title: list[Chunk] = field(default_factory=list)
    tags: list[Chunk] = field(default_factory=list)
    body: list[Chunk] = field(default_factory=list)


def revision_history(session: Session, post: Question | Answer) -> list[RevisionView]:
    """Revisions newest first, each with its diff against the one before it."""
    revs = queries.revisions(session, post)  # newest first
    views = []
    for index, rev in enumerate(revs):
        before = revs[index + 1] if index + 1 < len(revs) else None
        if before is None:
            views.append(RevisionView(rev, True, [Chunk("equal", rev.title or "")],
                                      [Chunk("equal", rev.tags or "")], [Chunk("equal", rev.body_md)]))
            continue
        views.append(RevisionView(
            rev, False,
            title=diff_words(before.title or "", rev.title or "") if isinstance(post, Question) else [],
            tags=diff_words(before.tags or "", rev.tags or "") if isinstance(post, Question) else [],
            body=diff_text(before.body_md, rev.body_md)))
    return views
