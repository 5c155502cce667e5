"""Read side of badges: the table with holders' counts, a badge's holders, a user's badges,
and compact per-user tallies for user cards. One query each; templates get plain values."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.pagination import Page, paginate
from app.points import badges as table
from app.points.badge_models import BadgeAward


@dataclass(frozen=True)
class BadgeRow:
    badge: table.Badge
    holders: int    # distinct users holding it (a tag badge's holder counts once)
    awards: int     # awards made (a tag badge can be awarded once per tag)


def holder_counts(session: Session) -> dict[str, tuple[int, int]]:
    """``{code: (holders, awards)}`` for the badges that have been awarded."""
    rows = session.execute(select(BadgeAward.badge, func.count(func.distinct(BadgeAward.user_id)),
                                  func.count(BadgeAward.id)).group_by(BadgeAward.badge))
    return {code: (holders, awards) for code, holders, awards in rows}


def badge_table(session: Session) -> list[tuple[str, list[BadgeRow]]]:
    """Every badge of the table with its counts, grouped by class (gold first)."""
    counts = holder_counts(session)
    return [(klass, [BadgeRow(b, *counts.get(b.code, (0, 0))) for b in group])
            for klass, group in table.by_class()]


def holders(session: Session, code: str, page: int = 1, per_page: int = 30) -> Page[BadgeAward]:
    """A badge's awards, newest first, with the user and tag loaded."""
    stmt = (select(BadgeAward).where(BadgeAward.badge == code)
            .options(joinedload(BadgeAward.user))
            .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc()))
    return paginate(session, stmt, page, per_page)


def user_awards(session: Session, user_id: int) -> list[BadgeAward]:
    """A user's awards newest first (a user holds a handful: no paging)."""
    return list(session.scalars(select(BadgeAward).where(BadgeAward.user_id == user_id)
                                .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())).unique())


def shown_tags(session: Session, viewer, awards: Iterable[BadgeAward]) -> set[int]:
    """The tag ids of ``awards`` the viewer may know of: tags with questions they may count
    (as the tags page decides). A tag used only on team or internal questions would otherwise
    leak its name through a tag badge."""
    from app.forum import access
    from app.forum.models import Tag

    ids = {a.tag_id for a in awards if a.tag_id is not None}
    if not ids:
        return set()
    return set(session.scalars(select(Tag.id).where(Tag.id.in_(ids), access.visible_tag_count(viewer) > 0)))


def tallies(session: Session, user_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``{user_id: {class: awards}}`` for user cards, one query for the whole page."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    out: dict[int, dict[str, int]] = {}
    rows = session.execute(select(BadgeAward.user_id, BadgeAward.badge, func.count())
                           .where(BadgeAward.user_id.in_(ids)).group_by(BadgeAward.user_id, BadgeAward.badge))
    for user_id, code, n in rows:
        badge = table.get(code)
        if badge is not None:  # a retired code stays in the table's history but is not shown
            counts = out.setdefault(user_id, {})
            counts[badge.klass] = counts.get(badge.klass, 0) + n
    return out
