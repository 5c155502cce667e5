"""Read side of administration: who may open which page, and what the pages list.

The services guard every change; these functions guard the pages themselves, with the same
rule (``can_manage_team``), so a team admin never even sees another team's members.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import Team, TeamMembership, User
from app.accounts.services import can_manage_team
from app.errors import Forbidden, NotFound
from app.pagination import Page, paginate


@dataclass
class TeamRow:
    team: Team
    member_count: int


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden()


def can_open_admin(user: User) -> bool:
    """Site admins and admins of at least one team."""
    return user.is_admin or any(m.is_team_admin for m in user.memberships)


def admin_home(user: User) -> str:
    """The admin page ``user`` starts on: ``users`` for site admins, ``teams`` for team admins."""
    if not can_open_admin(user):
        raise Forbidden()
    return "users" if user.is_admin else "teams"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_users(session: Session, *, by: User, search: str = "", page: int = 1, per_page: int = 20) -> Page[User]:
    """Users by username, filtered by a case-insensitive part of the username or display name."""
    require_admin(by)
    stmt = select(User).order_by(func.lower(User.username))
    search = (search or "").strip()
    if search:
        pattern = _like(search.lower())
        stmt = stmt.where(or_(func.lower(User.username).like(pattern, escape="\\"),
                              func.lower(User.display_name).like(pattern, escape="\\")))
    return paginate(session, stmt, page, per_page)


def list_teams(session: Session, *, by: User) -> list[TeamRow]:
    """All teams for a site admin; for a team admin, the teams they administer. Others: Forbidden."""
    counts = (select(TeamMembership.team_id, func.count().label("n"))
              .group_by(TeamMembership.team_id).subquery())
    stmt = (select(Team, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.team_id == Team.id).order_by(func.lower(Team.name)))
    if not by.is_admin:
        managed = [m.team_id for m in by.memberships if m.is_team_admin]
        if not managed:
            raise Forbidden()
        stmt = stmt.where(Team.id.in_(managed))
    return [TeamRow(team, n) for team, n in session.execute(stmt)]


def get_team(session: Session, team_id: int, *, by: User) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound()
    if not can_manage_team(by, team):
        raise Forbidden()
    return team


def team_members(session: Session, team: Team) -> list[TeamMembership]:
    """Memberships of ``team`` with their users loaded, team admins first, then by username."""
    return list(session.scalars(
        select(TeamMembership).join(TeamMembership.user).where(TeamMembership.team_id == team.id)
        .options(joinedload(TeamMembership.user))
        .order_by(TeamMembership.is_team_admin.desc(), func.lower(User.username))))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user
