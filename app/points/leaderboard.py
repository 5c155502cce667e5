"""Leaderboards: points earned in a UTC calendar period, overall, in a tag or in a team.

One aggregate over ``points_entries`` per board: the entries of the period summed per user,
ranked with ``RANK()`` (ties share a rank, the next rank skips: 1, 2, 2, 4), paged in SQL.

* **Period**: this calendar week (Monday 00:00 UTC on), month, quarter, or all time. A
  board for "this month" on the 1st at 00:05 is nearly empty: that is what a manager shows
  at the monthly meeting (last month is ``at=`` a day of it).
* **Tag**: entries earned on a question carrying the tag (an answer's entries carry its
  question, see ``PointsEntry``); entries tied to no post never count in a tag.
* **Team**: the team's current members (``TeamMembership``), everything they earned.
* **Who is listed**: active accounts only; a deactivated user keeps their entries (the
  ledger is append-only) but leaves the boards.
* **What counts for whom**: as ``queries.visible_total``: moderators count everything,
  anyone else only entries on questions they may see (and entries tied to no question), so
  an anonymous visitor's board counts public activity only and never reveals that someone
  answered internal or team questions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, select
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.accounts.models import Team, TeamMembership, User
from app.db import utcnow
from app.errors import Invalid
from app.forum import access
from app.forum.models import Question, QuestionTag, Tag
from app.pagination import Page
from app.points.models import PointsEntry

PERIODS = ("week", "month", "quarter", "all")


class BadPeriod(ValueError):
    """A period name outside PERIODS."""


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    """The first instant (naive UTC, as stored) of the calendar period holding ``now``; None for all."""
    if period not in PERIODS:
        raise BadPeriod(period)
    now = now or utcnow()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return None


def period_end(period: str, now: datetime | None = None) -> datetime | None:
    """The first instant after the period (exclusive bound); None for all time."""
    start = period_start(period, now)
    if start is None:
        return None
    if period == "week":
        return start + timedelta(days=7)
    months = 1 if period == "month" else 3
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1)


@dataclass(frozen=True)
class Board:
    """Which board: the period (holding ``at``), and at most one tag and one team."""
    period: str = "all"
    tag: Tag | None = None
    team: Team | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Row:
    user: User
    points: int
    rank: int


def _sums(board: Board, viewer) -> Select:
    """SELECT user_id, total over the board's entries, grouped by user (not ranked yet)."""
    total = func.sum(PointsEntry.amount).label("total")
    start, end = period_start(board.period, board.at), period_end(board.period, board.at)
    # In a period, group by ``user_id + 0``: grouping by the bare column lets SQLite's planner
    # prefer a skip-scan of the (user_id, created_at) index for its order, 2.5x slower at 1M
    # entries than the range scan of the covering (created_at, ...) index it then takes.
    user_id = PointsEntry.user_id if start is None else PointsEntry.user_id + 0
    stmt = select(user_id.label("user_id"), total).group_by(user_id)
    if start is not None:
        stmt = stmt.where(PointsEntry.created_at >= start, PointsEntry.created_at < end)
    if board.tag is not None:
        tagged = select(QuestionTag.question_id).where(QuestionTag.tag_id == board.tag.id)
        # In a period, ``question_id + 0`` likewise keeps SQLite on the period's range scan: probing
        # the question_id index once per tagged question took 1.4 s for a busy tag, the range 35 ms.
        question_id = PointsEntry.question_id if start is None else PointsEntry.question_id + 0
        stmt = stmt.where(question_id.in_(tagged))
    if board.team is not None:
        members = select(TeamMembership.user_id).where(TeamMembership.team_id == board.team.id)
        stmt = stmt.where(PointsEntry.user_id.in_(members))
    if not access.can_moderate(viewer):
        stmt = (stmt.outerjoin(Question, Question.id == PointsEntry.question_id)
                .where(PointsEntry.question_id.is_(None) | access.visible_clause(viewer)))
    return stmt


def _ranked(board: Board, viewer):
    """Ranked after the deactivated users are left out (so ranks never skip a hidden person),
    with the board's size on every row: one aggregate answers both the page and its count.
    Users are joined to the per-user sums, not to each entry: a few thousand lookups, not a
    million."""
    sums = _sums(board, viewer).subquery("sums")
    rank = func.rank().over(order_by=sums.c.total.desc()).label("rank")
    size = func.count().over().label("size")
    return (select(sums.c.user_id, sums.c.total, rank, size)
            .join(User, and_(User.id == sums.c.user_id, User.is_active_account.is_(True)))
            .subquery("ranked"))


def leaderboard(session: Session, board: Board, *, viewer, page: int = 1, per_page: int = 20) -> Page[Row]:
    """One page of the board, best first (ties by user id, so pages never overlap)."""
    ranked = _ranked(board, viewer)
    rows = session.execute(select(ranked.c.user_id, ranked.c.total, ranked.c.rank, ranked.c.size)
                           .order_by(ranked.c.rank, ranked.c.user_id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        total = rows[0][3]
    elif page > 1:  # past the end: the count alone
        total = session.scalar(select(func.count()).select_from(ranked)) or 0
    else:
        total = 0
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([r[0] for r in rows])))} \
        if rows else {}
    items = [Row(user=users[uid], points=int(points), rank=int(rank)) for uid, points, rank, _ in rows]
    return Page(items=items, total=int(total), page=page, per_page=per_page)


def all_rows(session: Session, board: Board, *, viewer, limit: int = 100_000) -> list[Row]:
    """The whole board (the CSV export), in pages so a large team does not load at once."""
    rows: list[Row] = []
    page = 1
    while len(rows) < limit:
        found = leaderboard(session, board, viewer=viewer, page=page, per_page=1000)
        rows.extend(found.items)
        if not found.has_next:
            break
        page += 1
    return rows[:limit]


def rank_of(session: Session, user_id: int, board: Board, *, viewer) -> tuple[int, int] | None:
    """(rank, points) of one user on the board, or None when they earned nothing there."""
    ranked = _ranked(board, viewer)
    found = session.execute(select(ranked.c.rank, ranked.c.total).where(ranked.c.user_id == user_id)).first()
    return (int(found[0]), int(found[1])) if found else None


def find_tag(session: Session, name: str | None) -> Tag | None:
    name = (name or "").strip().lower()
    return session.scalar(select(Tag).where(Tag.name == name)) if name else None


def find_team(session: Session, ref: str | None) -> Team | None:
    """A team by slug or by id."""
    ref = (ref or "").strip()
    if not ref:
        return None
    if ref.isdigit() and len(ref) < 10:
        return session.get(Team, int(ref))
    return session.scalar(select(Team).where(Team.slug == ref.lower()))


def board_from_args(session: Session, args) -> Board:
    """The board named by query parameters (the API and the pages); Invalid (422) naming each
    bad field: a period outside PERIODS, an unknown tag or team."""
    errors = {}
    period = (args.get("period") or "all").strip()
    if period not in PERIODS:
        errors["period"] = _l("Use one of: %(choices)s.", choices=", ".join(PERIODS))
    tag = team = None
    if (args.get("tag") or "").strip():
        tag = find_tag(session, args.get("tag")[:40])
        if tag is None:
            errors["tag"] = _l("Unknown tag.")
    if (args.get("team") or "").strip():
        team = find_team(session, args.get("team")[:64])
        if team is None:
            errors["team"] = _l("Unknown team.")
    if errors:
        raise Invalid(errors=errors)
    return Board(period=period, tag=tag, team=team)


def can_export(user, team: Team | None) -> bool:
    """Managers: moderators and admins, and a team's admins for that team's board."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_moderator:
        return True
    return team is not None and any(m.team_id == team.id and m.is_team_admin for m in user.memberships)
