"""Validation and bookkeeping shared by the forum services."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.errors import Forbidden, Invalid, NotFound
from app.forum import access
from app.forum.models import Answer, Question, QuestionTag, Revision, Tag, Visibility
from app.markup import is_valid_tag, normalize_tag


def limit(name: str) -> int:
    return int(current_app.config[name])


def require_user(user: User | None) -> User:
    if user is None or not getattr(user, "is_authenticated", False):
        raise Forbidden(_l("Please log in first."))
    return user


def require_visible(question: Question | None, user: User | None) -> Question:
    """The question, or NotFound when it does not exist or ``user`` may not see it
    (existence of hidden questions must not leak)."""
    if question is None or not access.can_view(question, user):
        raise NotFound(_l("No such question."))
    return question


def clean_title(title: str, errors: dict) -> str:
    title = " ".join((title or "").split())
    if len(title) < limit("MIN_TITLE_LENGTH"):
        errors["title"] = _l("The title needs at least %(n)d characters.", n=limit("MIN_TITLE_LENGTH"))
    elif len(title) > limit("MAX_TITLE_LENGTH"):
        errors["title"] = _l("The title may have at most %(n)d characters.", n=limit("MAX_TITLE_LENGTH"))
    return title


def clean_body(body: str, errors: dict, field: str = "body") -> str:
    body = (body or "").strip()
    if len(body) < limit("MIN_BODY_LENGTH"):
        errors[field] = _l("Please write at least %(n)d characters.", n=limit("MIN_BODY_LENGTH"))
    elif len(body) > limit("MAX_BODY_LENGTH"):
        errors[field] = _l("The text may have at most %(n)d characters.", n=limit("MAX_BODY_LENGTH"))
    return body


def parse_tag_names(raw, errors: dict) -> list[str]:
    """Tag names from a list or a space/comma separated string, normalised, order kept."""
    if isinstance(raw, str):
        raw = raw.replace(",", " ").replace("，", " ").split()
    names: list[str] = []
    for item in raw or []:
        name = normalize_tag(str(item))
        if name and name not in names:
            names.append(name)
    if not names:
        errors["tags"] = _l("Add at least one tag.")
    elif len(names) > limit("MAX_TAGS"):
        errors["tags"] = _l("Use at most %(n)d tags.", n=limit("MAX_TAGS"))
    elif bad := [n for n in names if not is_valid_tag(n)]:
        errors["tags"] = _l("Not a valid tag: %(t)s", t=bad[0][:40])
    return names


def resolve_tags(session: Session, names: list[str], by: User) -> list[Tag]:
    """Tags for ``names``, creating missing ones when ``by`` may (staff and up)."""
    existing = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(names)))}
    missing = [n for n in names if n not in existing]
    if missing and not access.can_create_tags(by):
        raise Invalid(errors={"tags": _l("Unknown tag: %(t)s. Only staff can create tags.", t=missing[0])})
    for name in missing:
        existing[name] = Tag(name=name, created_by_id=by.id)
        session.add(existing[name])
    session.flush()
    return [existing[n] for n in names]


def adjust_tag_counts(session: Session, tags: list[Tag], delta: int, visibility: str) -> None:
    """Count a live question with ``visibility`` in (delta=+1) or out of (-1) ``tags``, by an
    atomic UPDATE (concurrent askers never lose a count)."""
    if not tags:
        return
    values = {"question_count": Tag.question_count + delta}
    scoped = {Visibility.public.value: "public_count", Visibility.internal.value: "internal_count"}.get(visibility)
    if scoped:
        values[scoped] = getattr(Tag, scoped) + delta
    session.execute(update(Tag).where(Tag.id.in_([t.id for t in tags])).values(**values),
                    execution_options={"synchronize_session": False})
    for tag in tags:
        session.expire(tag, list(values))


def recount_tags(session: Session, tag_ids) -> None:
    """Recompute the stored counts of ``tag_ids`` from the rows (bulk paths that bypass the
    services, such as the importer, call this once at the end)."""
    def live(*visibilities):
        stmt = (select(func.count(QuestionTag.question_id))
                .join(Question, Question.id == QuestionTag.question_id)
                .where(QuestionTag.tag_id == Tag.id, Question.deleted_at.is_(None)))
        if visibilities:
            stmt = stmt.where(Question.visibility.in_(visibilities))
        return stmt.scalar_subquery()

    ids = sorted(set(tag_ids))
    for start in range(0, len(ids), 500):
        session.execute(update(Tag).where(Tag.id.in_(ids[start:start + 500])).values(
            question_count=live(), public_count=live(Visibility.public.value),
            internal_count=live(Visibility.internal.value)), execution_options={"synchronize_session": False})


def next_revision_number(session: Session, post) -> int:
    column = Revision.question_id if isinstance(post, Question) else Revision.answer_id
    return (session.scalar(select(func.max(Revision.number)).where(column == post.id)) or 0) + 1


def add_revision(session: Session, post: Question | Answer, by: User | None, comment: str = "") -> Revision:
    """Snapshot the post's current state as its next revision."""
    rev = Revision(number=next_revision_number(session, post), author_id=by.id if by else None,
                   body_md=post.body_md, comment=(comment or "").strip()[:300])
    if isinstance(post, Question):
        rev.question_id, rev.title, rev.tags = post.id, post.title, " ".join(post.tag_names)
    else:
        rev.answer_id = post.id
    session.add(rev)
    return rev
