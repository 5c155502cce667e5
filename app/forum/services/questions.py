"""Asking and editing questions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import privileges, signals
from app.accounts.models import Team, User
from app.db import utcnow
from app.errors import Forbidden, Invalid
from app.forum import access
from app.forum.models import Question, Visibility
from app.forum.services.common import (add_revision, adjust_tag_counts, clean_body, clean_title,
                                       parse_tag_names, require_user, require_visible, resolve_tags)
from app.markup import render_markdown, slugify


def _clean_scope(session: Session, by: User, visibility: str | None, team: str | int | None,
                 errors: dict) -> tuple[str, Team | None]:
    """Validate visibility/team for ``by``; returns (visibility, team)."""
    visibility = visibility or Visibility.public.value
    if visibility not in access.allowed_visibilities(by):
        errors["visibility"] = _l("You cannot post with this visibility.")
        return visibility, None
    if visibility != Visibility.team.value:
        return visibility, None
    if team in (None, ""):
        errors["team"] = _l("Choose the team that may see this question.")
        return visibility, None
    column = Team.id if isinstance(team, int) or str(team).isdigit() else Team.slug
    found = session.scalar(select(Team).where(column == (int(team) if column is Team.id else slugify(str(team)))))
    if found is None:
        errors["team"] = _l("Unknown team.")
    elif not (by.is_moderator or found.id in by.team_ids):
        errors["team"] = _l("You are not a member of this team.")
    return visibility, found


def ask_question(session: Session, *, title: str, body: str, tags, by: User,
                 visibility: str | None = None, team=None) -> Question:
    """Create a question with its first revision; sends ``question_asked``.

    Raises Invalid (with every failing field) or Forbidden for anonymous callers.
    """
    by = require_user(by)
    errors: dict = {}
    title = clean_title(title, errors)
    body = clean_body(body, errors)
    names = parse_tag_names(tags, errors)
    visibility, team_obj = _clean_scope(session, by, visibility, team, errors)
    if errors:
        raise Invalid(errors=errors)
    tag_objs = resolve_tags(session, names, by)
    question = Question(title=title, slug=slugify(title), body_md=body, body_html=render_markdown(body),
                        author=by, visibility=visibility, team=team_obj, tags=tag_objs,
                        last_activity_at=utcnow())
    session.add(question)
    session.flush()
    adjust_tag_counts(session, tag_objs, +1, visibility)
    add_revision(session, question, by, "")
    signals.question_asked.send(question, by=by)
    return question


def edit_question(session: Session, question: Question, *, by: User, title: str | None = None,
                  body: str | None = None, tags=None, visibility: str | None = None, team=None,
                  comment: str = "") -> Question:
    """Edit the given fields as a new revision; sends ``question_edited`` when anything changed."""
    by = require_user(by)
    require_visible(question, by)
    others = not access.can_edit(question, by)  # neither the author nor a moderator
    if others and (visibility is not None or team is not None):
        raise Forbidden(_l("Only the author or a moderator can change who may see this question."))
    errors: dict = {}
    changed: set[str] = set()
    new_title = clean_title(title, errors) if title is not None else question.title
    new_body = clean_body(body, errors) if body is not None else question.body_md
    names = parse_tag_names(tags, errors) if tags is not None else question.tag_names
    if visibility is not None or team is not None:
        new_vis, new_team = _clean_scope(session, by, visibility or question.visibility, team, errors)
    else:
        new_vis, new_team = question.visibility, question.team
    if errors:
        raise Invalid(errors=errors)
    if others:
        _require_edit_privilege(by, question, new_title, new_body, names)
    if new_title != question.title:
        question.title, question.slug = new_title, slugify(new_title)
        changed.add("title")
    if new_body != question.body_md:
        question.body_md, question.body_html = new_body, render_markdown(new_body)
        changed.add("body")
    new_tags = resolve_tags(session, names, by) if names != question.tag_names else question.tags
    if new_tags is not question.tags or new_vis != question.visibility:
        # Move the question's counts: out of the old tags/visibility, into the new ones.
        adjust_tag_counts(session, question.tags, -1, question.visibility)
        adjust_tag_counts(session, new_tags, +1, new_vis)
    if new_tags is not question.tags:
        question.tags = new_tags
        changed.add("tags")
    if new_vis != question.visibility:
        question.visibility = new_vis
        changed.add("visibility")
    if (new_team.id if new_team else None) != question.team_id:
        question.team = new_team
        changed.add("team")
    if not changed:
        return question
    question.updated_at = question.last_activity_at = utcnow()
    session.flush()
    revision = add_revision(session, question, by, comment)
    signals.question_edited.send(question, by=by, revision=revision, changed=changed)
    return question


def _require_edit_privilege(by: User, question: Question, title: str, body: str, names: list[str]) -> None:
    """Someone else's question: changing only its tags needs the retag privilege, anything
    more the edit privilege (checked after validation, so a refusal is about standing only)."""
    if title == question.title and body == question.body_md:
        if names != question.tag_names:
            privileges.require(by, privileges.RETAG)
        return
    privileges.require(by, privileges.EDIT_OTHERS)


def record_view(session: Session, question_id: int, views: int = 1) -> None:
    """Count page views with an atomic increment (no read-modify-write race). Views are not
    content: counting them does not move the page cache's version (``content_quiet``), or every
    flush of the view buffer would drop every cached page; the shown count catches up with the
    next write or within the cache's TTL."""
    session.execute(update(Question).where(Question.id == question_id)
                    .values(view_count=Question.view_count + views), execution_options={"content_quiet": True})
