"""Who may see and do what. The single place where visibility is decided.

``visible_clause`` is used inside every query (lists, API, feeds, search adapters), so
pages never filter after the fact; ``can_view`` answers the same for one loaded question.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from app.accounts.models import Role, User
from app.forum.models import Question, Visibility


def _real(user: User | None) -> User | None:
    """None for anonymous visitors (flask-login's AnonymousUserMixin included)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def visible_clause(user: User | None, *, include_deleted: bool = False) -> ColumnElement[bool]:
    """SQL condition on Question that is true exactly for questions ``user`` may see."""
    user = _real(user)
    live = true() if include_deleted else Question.deleted_at.is_(None)
    if user is None or not user.is_staff:
        return and_(live, Question.visibility == Visibility.public.value)
    if user.is_moderator:
        return live
    team_ids = list(user.team_ids)
    team_ok = (and_(Question.visibility == Visibility.team.value, Question.team_id.in_(team_ids))
               if team_ids else false())
    return and_(live, or_(Question.visibility.in_([Visibility.public.value, Visibility.internal.value]),
                          team_ok))


def visible_tag_count(user: User | None):
    """The Tag column holding how many questions tagged so ``user`` may count: public ones for
    customers and visitors, public + internal for staff, all for moderators. Team questions are
    counted for moderators only, so a count never reveals that a team's question exists."""
    from app.forum.models import Tag

    user = _real(user)
    if user is None or not user.is_staff:
        return Tag.public_count
    if user.is_moderator:
        return Tag.question_count
    return Tag.public_count + Tag.internal_count


def can_view(question: Question, user: User | None) -> bool:
    user = _real(user)
    if question.is_deleted and not (user and (user.is_moderator or user.id == question.author_id)):
        return False
    if question.visibility == Visibility.public.value:
        return True
    if user is None or not user.is_staff:
        return False
    if user.is_moderator or question.visibility == Visibility.internal.value:
        return True
    return question.team_id in user.team_ids


def can_edit(post, user: User | None) -> bool:
    """Authors edit their own posts; moderators edit any."""
    user = _real(user)
    return bool(user and (user.is_moderator or (post.author_id is not None and post.author_id == user.id)))


def can_moderate(user: User | None) -> bool:
    user = _real(user)
    return bool(user and user.is_moderator)


def can_accept(question: Question, user: User | None) -> bool:
    user = _real(user)
    return bool(user and (user.is_moderator or user.id == question.author_id))


def can_create_tags(user: User | None) -> bool:
    user = _real(user)
    return bool(user and user.has_role(Role.staff))


def allowed_visibilities(user: User | None) -> list[str]:
    """Visibilities ``user`` may give a question: customers ask in public only."""
    user = _real(user)
    if user is None:
        return []
    if not user.is_staff:
        return [Visibility.public.value]
    return [v.value for v in Visibility]
