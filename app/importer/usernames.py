"""Usernames for imported users: readable, valid for the accounts rules, unique."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User


def username_for(display_name: str, source_id: int) -> str:
    """A readable username that passes the accounts rules: the display name's letters, digits,
    dots and hyphens (at most 40) plus the source id, which makes it unique within the site."""
    base = re.sub(r"[^\w.-]+", "-", unicodedata.normalize("NFKC", display_name or "")).lower()
    base = base.strip("-._")[:40].rstrip("-._") or "user"
    return f"{base}-{source_id}" if source_id >= 0 else f"{base}-m{-source_id}"


def unique_usernames(session: Session, wanted: dict[int, str], site: str) -> dict[int, str]:
    """``wanted`` with names taken (case-insensitively, as login does) by local users or
    another site's import replaced by ``name-<site label>[n]``. Collisions are rare, so only
    they cost a query each."""
    lowered = [name.lower() for name in wanted.values()]
    taken = set(session.scalars(select(func.lower(User.username)).where(func.lower(User.username).in_(lowered))))
    label = re.sub(r"[^a-z0-9]", "", site.split(".")[0])[:12] or "se"
    for sid, name in wanted.items():
        candidate, n = name, 1
        while candidate.lower() in taken:
            suffix = f"-{label}{n if n > 1 else ''}"
            candidate = name[:64 - len(suffix)] + suffix  # cut the name, never the suffix
            n += 1
            if session.scalar(select(User.id).where(func.lower(User.username) == candidate.lower())):
                taken.add(candidate.lower())
        taken.add(candidate.lower())
        wanted[sid] = candidate
    return wanted
