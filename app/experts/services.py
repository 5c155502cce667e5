"""What an expert sets about themselves: availability (shifts), caps, declared expertise, subscriptions.

Services take the acting user explicitly and never commit (DESIGN.md). A person edits their
own profile; an admin may edit anyone's.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.errors import Forbidden, Invalid
from app.experts.models import ExpertProfile, ExpertTag, TagInterest
from app.forum.models import Tag
from app.markup import normalize_tag

MAX_INTERESTS = 20


def _require_self_or_admin(user: User, by: User) -> None:
    if by is None or not getattr(by, "is_authenticated", False):
        raise Forbidden(_l("Log in first."))
    if by.id != user.id and not by.is_admin:
        raise Forbidden(_l("You can only change your own expert profile."))


def profile_of(session: Session, user_id: int) -> ExpertProfile:
    """The user's profile, created (available, site caps) on first use."""
    profile = session.get(ExpertProfile, user_id)
    if profile is None:
        profile = ExpertProfile(user_id=user_id, is_available=True)
        session.add(profile)
        session.flush()
    return profile


def set_availability(session: Session, user: User, *, available: bool, away_until: datetime | None = None,
                     by: User) -> ExpertProfile:
    """Available, or away (until ``away_until``, naive UTC, or until switched back).

    Raises Invalid when ``away_until`` is in the past."""
    _require_self_or_admin(user, by)
    if not available and away_until is not None and away_until <= utcnow():
        raise Invalid(errors={"away_until": _l("Choose a time in the future.")})
    profile = profile_of(session, user.id)
    profile.is_available = bool(available)
    profile.away_until = None if available else away_until
    return profile


def set_caps(session: Session, user: User, *, max_open_routes: int | None, daily_limit: int | None,
             by: User) -> ExpertProfile:
    """Personal caps (None: the site's). A person may lower theirs; only an admin may raise them
    above the site's, so nobody can opt into being swamped by accident."""
    _require_self_or_admin(user, by)
    errors = {}
    for name, value in (("max_open_routes", max_open_routes), ("daily_limit", daily_limit)):
        if value is not None and not (0 <= value <= 100):
            errors[name] = _l("Between 0 and 100.")
    if errors:
        raise Invalid(errors=errors)
    profile = profile_of(session, user.id)
    profile.max_open_routes, profile.daily_limit = max_open_routes, daily_limit
    return profile


def set_tag_interests(session: Session, user: User, kind: str, names, *, by: User) -> list[str]:
    """Replace the user's declared (or subscribed) tags with ``names``; only existing tags.

    Raises Invalid naming the unknown tags, or when more than MAX_INTERESTS are given."""
    _require_self_or_admin(user, by)
    if kind not in {k.value for k in TagInterest}:
        raise Invalid(errors={"kind": _l("Unknown kind of interest.")})
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    wanted = []
    for raw in names or []:
        name = normalize_tag(str(raw))
        if name and name not in wanted:
            wanted.append(name)
    field = "declared_tags" if kind == TagInterest.declared.value else "subscribed_tags"
    if len(wanted) > MAX_INTERESTS:
        raise Invalid(errors={field: _l("At most %(n)d tags.", n=MAX_INTERESTS)})
    tags = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(wanted)))} if wanted else {}
    unknown = [n for n in wanted if n not in tags]
    if unknown:
        raise Invalid(errors={field: _l("Unknown tags: %(tags)s", tags=", ".join(unknown))})
    session.execute(delete(ExpertTag).where(ExpertTag.user_id == user.id, ExpertTag.kind == kind))
    for name in wanted:
        session.add(ExpertTag(user_id=user.id, tag_id=tags[name].id, kind=kind))
    session.flush()
    return wanted
