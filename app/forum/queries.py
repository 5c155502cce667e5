"""Read side of the forum: lists and the question page as view models.

Every query applies ``access.visible_clause`` so nothing hidden is ever counted or shown.
The question page is built from a fixed number of queries (a test pins it).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import desc, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.forum import access
from app.forum.models import Answer, Comment, Question, QuestionTag, Revision, Tag
from app.forum.services.common import require_visible
from app.forum.services.votes import my_votes
from app.pagination import Page, paginate

SORTS = ("newest", "active", "unanswered", "score")


def list_questions(session: Session, viewer: User | None, *, sort: str = "newest", tag: str | None = None,
                   author_id: int | None = None, page: int = 1, per_page: int = 20) -> Page[Question]:
    """Visible, live questions. Unknown sorts fall back to newest."""
    stmt = select(Question).where(access.visible_clause(viewer))
    if tag:
        stmt = stmt.join(QuestionTag, QuestionTag.question_id == Question.id).join(
            Tag, Tag.id == QuestionTag.tag_id).where(Tag.name == tag)
    if author_id is not None:
        stmt = stmt.where(Question.author_id == author_id)
    if sort == "active":
        stmt = stmt.order_by(desc(Question.last_activity_at), desc(Question.id))
    elif sort == "unanswered":
        stmt = stmt.where(Question.answer_count == 0, Question.closed_at.is_(None)).order_by(
            desc(Question.created_at), desc(Question.id))
    elif sort == "score":
        stmt = stmt.order_by(desc(Question.score), desc(Question.id))
    else:
        stmt = stmt.order_by(desc(Question.created_at), desc(Question.id))
    return paginate(session, stmt, page, per_page)


def list_answers_by(session: Session, viewer: User | None, author_id: int, *, page: int = 1,
                    per_page: int = 20) -> Page[Answer]:
    stmt = (select(Answer).join(Question, Question.id == Answer.question_id)
            .where(Answer.author_id == author_id, Answer.deleted_at.is_(None), access.visible_clause(viewer))
            .order_by(desc(Answer.score), desc(Answer.id)))
    return paginate(session, stmt, page, per_page)


def visible_tags(session: Session, viewer: User | None, *, contains: str = "", prefix: str = "",
                 sort: str = "popular", page: int = 1, per_page: int = 60) -> Page[tuple[Tag, int]]:
    """(tag, count) for tags with questions ``viewer`` may count, most used first (or by name).

    Counts come from the per-visibility columns the services keep (access.visible_tag_count),
    so this never joins over all questions."""
    count = access.visible_tag_count(viewer)
    stmt = select(Tag, count).where(count > 0)
    if contains:
        stmt = stmt.where(Tag.name.contains(contains, autoescape=True))
    if prefix:
        stmt = stmt.where(Tag.name.startswith(prefix, autoescape=True))
    stmt = stmt.order_by(Tag.name) if sort == "name" else stmt.order_by(desc(count), Tag.name)
    total = session.scalar(stmt.order_by(None).with_only_columns(func.count(Tag.id))) or 0
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=[(tag, n) for tag, n in rows], total=total, page=page, per_page=per_page)


@dataclass
class QuestionPage:
    question: Question
    answers: list[Answer]
    comments: dict = field(default_factory=dict)  # ("q"|"a", id) -> [Comment]
    votes: dict = field(default_factory=dict)     # ("q"|"a", id) -> +1/-1
    duplicate_of: Question | None = None
    revision_count: int = 0


def question_page(session: Session, question_id: int, viewer: User | None) -> QuestionPage:
    """The question, its answers (accepted first, then score, then age), comments and the
    viewer's votes. Deleted answers are shown only to moderators and their authors."""
    question = require_visible(session.get(Question, question_id), viewer)
    answers = list(session.scalars(select(Answer).where(Answer.question_id == question.id)
                                   .order_by(desc(Answer.score), Answer.created_at)))
    answers = [a for a in answers if not a.is_deleted or access.can_edit(a, viewer)]
    answers.sort(key=lambda a: a.id != question.accepted_answer_id)  # stable: accepted first
    ids = [a.id for a in answers]
    comments: dict = defaultdict(list)
    for c in session.scalars(select(Comment).where(
            Comment.deleted_at.is_(None),
            (Comment.question_id == question.id) | Comment.answer_id.in_(ids or [-1])).order_by(Comment.id)):
        comments[("q", c.question_id) if c.question_id else ("a", c.answer_id)].append(c)
    duplicate = None
    if question.duplicate_of_id:
        original = session.get(Question, question.duplicate_of_id)
        duplicate = original if original and access.can_view(original, viewer) else None
    return QuestionPage(question=question, answers=answers, comments=dict(comments),
                        votes=my_votes(session, viewer, question, ids), duplicate_of=duplicate)


def revisions(session: Session, post: Question | Answer) -> list[Revision]:
    column = Revision.question_id if isinstance(post, Question) else Revision.answer_id
    return list(session.scalars(select(Revision).where(column == post.id).order_by(desc(Revision.number))))
