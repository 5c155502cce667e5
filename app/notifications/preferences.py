"""Each user's notification preferences: how often for each kind (instant, daily or weekly digest,
off), quiet hours in their own time zone, and whether asking or answering follows a question.

No row means the defaults (the kind's own, the site's time zone, no quiet hours, auto-follow on),
so reading preferences never writes. Services here take ``by=`` and never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.errors import Forbidden, Invalid
from app.notifications import kinds
from app.notifications.models import Delivery, KindSetting, NotificationSettings


@dataclass
class Preferences:
    """What a user chose, with the defaults filled in."""
    timezone: str
    quiet_start: int | None        # minutes after local midnight
    quiet_end: int | None
    auto_follow: bool
    frequencies: dict[str, str]    # every registered kind

    def quiet_at(self, moment: datetime) -> bool:
        """Whether ``moment`` (naive UTC) falls in the quiet hours, in the user's time zone."""
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return False
        local = to_local(moment, self.timezone)
        minute = local.hour * 60 + local.minute
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= minute < self.quiet_end
        return minute >= self.quiet_start or minute < self.quiet_end  # spans midnight


def site_timezone() -> str:
    return current_app.config.get("NOTIFICATIONS_TIMEZONE", "UTC")


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or site_timezone())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_local(moment: datetime, tz_name: str | None) -> datetime:
    """Naive UTC ``moment`` as an aware time in the zone ``tz_name``."""
    return moment.replace(tzinfo=timezone.utc).astimezone(zone(tz_name))


def preferences(session: Session, user_id: int) -> Preferences:
    return preferences_of(session, [user_id])[user_id]


def preferences_of(session: Session, user_ids) -> dict[int, Preferences]:
    """Everyone's preferences in two queries (a notification to many followers reads them once)."""
    ids = list(set(user_ids))
    rows = {s.user_id: s for s in session.scalars(select(NotificationSettings)
                                                  .where(NotificationSettings.user_id.in_(ids)))} if ids else {}
    chosen: dict[int, dict[str, str]] = {}
    if ids:
        for row in session.scalars(select(KindSetting).where(KindSetting.user_id.in_(ids))):
            chosen.setdefault(row.user_id, {})[row.kind] = row.frequency
    defaults = {k.code: k.default for k in kinds.all_kinds()}
    out = {}
    for uid in ids:
        row = rows.get(uid)
        out[uid] = Preferences(
            timezone=(row.timezone if row and row.timezone else site_timezone()),
            quiet_start=row.quiet_start if row else None, quiet_end=row.quiet_end if row else None,
            auto_follow=row.auto_follow if row else True,
            frequencies={**defaults, **chosen.get(uid, {})})
    return out


def delivery(prefs: Preferences, kind: str, now: datetime) -> str | None:
    """How a notification of ``kind`` made ``now`` reaches this user; None: not at all."""
    frequency = prefs.frequencies.get(kind, kinds.get(kind).default)
    if frequency == "off":
        return None if not kinds.get(kind).mandatory else Delivery.instant
    if frequency in Delivery.DIGESTS:
        return frequency
    return Delivery.quiet if prefs.quiet_at(now) else Delivery.instant


# --- changing them ---------------------------------------------------------------------------

def parse_clock(raw: str | None, field: str, errors: dict) -> int | None:
    """"22:30" -> minutes after midnight; "" -> None."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        parsed = time.fromisoformat(raw)
    except ValueError:
        errors[field] = _l("Use the form HH:MM, for example 22:00.")
        return None
    return parsed.hour * 60 + parsed.minute


def format_clock(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def known_timezone(name: str) -> bool:
    return name in _zones()


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def save_preferences(session: Session, user, *, frequencies: dict[str, str] | None = None,
                     timezone_name: str | None = None, quiet_start: int | None = None,
                     quiet_end: int | None = None, auto_follow: bool | None = None, by) -> Preferences:
    """Store ``user``'s choices (only what is given; ``quiet_start``/``quiet_end`` go together).

    Invalid with every wrong field at once: an unknown kind or frequency, "off" for a kind that
    cannot be off, an unknown time zone, one end of the quiet hours without the other."""
    if by is None or by.id != user.id:
        raise Forbidden(_l("You can only change your own notification settings."))
    errors: dict = {}
    for code, frequency in (frequencies or {}).items():
        kind = kinds.get(code)
        if code not in {k.code for k in kinds.all_kinds()} or frequency not in kind.choices:
            errors[f"kind_{code}"] = _l("Choose one of the offered frequencies.")
        elif frequency == "off" and kind.mandatory:
            errors[f"kind_{code}"] = _l("This kind cannot be switched off; set yourself away in the expert "
                                        "settings instead.")
    if timezone_name is not None and not known_timezone(timezone_name):
        errors["timezone"] = _l("Unknown time zone. Use a name such as Asia/Shanghai or Europe/London.")
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end" if quiet_end is None else "quiet_start"] = _l("Give both the start and the end.")
    if errors:
        raise Invalid(errors=errors)
    row = session.get(NotificationSettings, user.id)
    if row is None:
        row = NotificationSettings(user_id=user.id)
        session.add(row)
    if timezone_name is not None:
        row.timezone = timezone_name
    row.quiet_start, row.quiet_end = quiet_start, quiet_end
    if auto_follow is not None:
        row.auto_follow = auto_follow
    for code, frequency in (frequencies or {}).items():
        set_frequency(session, user.id, code, frequency)
    session.flush()
    return preferences(session, user.id)


def set_frequency(session: Session, user_id: int, code: str, frequency: str) -> None:
    """One kind's frequency; the kind's default is stored as no row."""
    session.execute(delete(KindSetting).where(KindSetting.user_id == user_id, KindSetting.kind == code))
    if frequency != kinds.get(code).default:
        session.add(KindSetting(user_id=user_id, kind=code, frequency=frequency))
