"""The rule set in force: the code defaults of ``app.points.rules``, overridden by the latest
version an admin saved (``PointsRuleVersion``).

* ``rules`` stays a pure table: its amounts are the defaults (version 0) and the planner keeps
  producing awards with them. ``ledger.award`` asks :func:`current` for the amount, the cap flag
  and the daily cap at the moment it writes, and records the version on the entry.
* History is never rewritten: a saved version is never changed, old entries keep their amount
  and version, and a reversal cancels the original entry's amount whatever the rules say now.
* :func:`current` costs one indexed query (the latest version's id) per call; the parsed rule
  set is cached per process under that id, so a saved version takes effect on every worker
  at its next award without any signalling between processes.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Forbidden, Invalid
from app.pagination import Page, paginate
from app.points import rules
from app.points.models import PointsRuleVersion

#: Bounds an admin may set: wide enough for any sensible policy, narrow enough that a typo
#: (an extra zero or two) is refused rather than paid out.
AMOUNT_LIMIT = 1000
CAP_LIMIT = 100_000
NOTE_MAX = 500


@dataclass(frozen=True)
class RuleSet:
    version: int                      # 0: the code defaults
    amounts: Mapping[str, int]        # every editable code
    capped: frozenset[str]            # editable codes limited by the daily cap
    daily_cap: int

    def amount(self, code: str, planned: int) -> int:
        """What an award of ``code`` pays; ``planned`` (the planner's amount) for a code that
        is not editable, e.g. one whose amount is set per event."""
        return self.amounts.get(code, planned) if code in rules.EDITABLE else planned

    def is_capped(self, code: str) -> bool:
        if code in rules.EDITABLE:
            return code in self.capped
        rule = rules.RULES.get(code)
        return bool(rule and rule.capped)

    def capped_codes(self) -> list[str]:
        """Every reason counted toward the daily cap (for the sum of what was earned today)."""
        return sorted({*self.capped, *(c for c, r in rules.RULES.items() if r.capped and c not in rules.EDITABLE)})

    def settings(self) -> dict:
        return {"amounts": dict(self.amounts), "capped": sorted(self.capped), "daily_upvote_cap": self.daily_cap}


def defaults() -> RuleSet:
    """Version 0, the code's table, read at call time (so a test patching it is obeyed)."""
    return RuleSet(0, {c: rules.RULES[c].amount for c in rules.EDITABLE},
                   frozenset(c for c in rules.EDITABLE if rules.RULES[c].capped), rules.DAILY_UPVOTE_CAP)


def from_settings(version: int, settings: Mapping) -> RuleSet:
    """A stored version as a RuleSet. A code added to the table after the version was saved
    takes its default (and so does anything malformed), so an old version never breaks awards."""
    base = defaults()
    stored = settings.get("amounts") or {}
    amounts = {c: stored[c] if isinstance(stored.get(c), int) else base.amounts[c] for c in rules.EDITABLE}
    capped_list = settings.get("capped")
    capped = (frozenset(c for c in capped_list if c in rules.EDITABLE) if isinstance(capped_list, list)
              else base.capped)
    cap = settings.get("daily_upvote_cap")
    return RuleSet(version, amounts, capped, cap if isinstance(cap, int) else base.daily_cap)


# Per process: ((database url, latest id, its created_at), RuleSet). The url and time guard
# against another database (tests, a second app) whose latest version has the same id.
_cache: tuple[tuple, RuleSet] | None = None


def current(session: Session) -> RuleSet:
    """The rule set in force: one small query, parsing only when a new version appeared."""
    global _cache
    latest = session.execute(select(PointsRuleVersion.id, PointsRuleVersion.created_at)
                             .order_by(PointsRuleVersion.id.desc()).limit(1)).first()
    if latest is None:
        return defaults()
    key = (str(session.get_bind().url), latest.id, latest.created_at)
    cached = _cache
    if cached is not None and cached[0] == key:
        return cached[1]
    row = session.get(PointsRuleVersion, latest.id)
    ruleset = from_settings(row.version, row.settings)
    _cache = (key, ruleset)  # one tuple assignment: atomic for concurrent readers
    return ruleset


# --- saving a version ---------------------------------------------------------------------------

def _int(raw, low: int, high: int) -> tuple[int | None, object | None]:
    """(value, None) or (None, error message) for an integer typed in a form or given in code."""
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip()
        if not text.lstrip("+-").isdigit() or len(text) > 12:
            return None, _l("Enter a whole number.")
        value = int(text)
    if not low <= value <= high:
        return None, _l("Enter a number from %(low)s to %(high)s.", low=low, high=high)
    return value, None


def save_version(session: Session, *, amounts: Mapping[str, object], capped, daily_cap, note: str,
                 by) -> PointsRuleVersion:
    """Save a new version (admins only). ``amounts`` maps each editable code to its amount
    (text or int), ``capped`` is the codes under the daily cap. Raises Invalid with the
    failing fields (``amount_<code>``, ``daily_cap``, ``note``) and nothing is written."""
    if not getattr(by, "is_admin", False):
        raise Forbidden()
    errors: dict[str, object] = {}
    parsed: dict[str, int] = {}
    for code in rules.EDITABLE:
        value, error = _int(amounts.get(code), -AMOUNT_LIMIT, AMOUNT_LIMIT)
        if error:
            errors[f"amount_{code}"] = error
        else:
            parsed[code] = value
    cap, error = _int(daily_cap, 0, CAP_LIMIT)
    if error:
        errors["daily_cap"] = error
    note = (note or "").strip()
    if not note:
        errors["note"] = _l("Say why the rules change: the note is kept with the version.")
    elif len(note) > NOTE_MAX:
        errors["note"] = _l("At most %(n)s characters.", n=NOTE_MAX)
    if errors:
        raise Invalid(errors=errors)
    new = RuleSet(0, parsed, frozenset(c for c in capped if c in rules.EDITABLE), cap)
    if new.settings() == current(session).settings():
        raise Invalid(_l("Nothing changed: the rules are already these."))
    number = (session.scalar(select(func.max(PointsRuleVersion.version))) or 0) + 1
    row = PointsRuleVersion(version=number, settings=new.settings(), created_by_id=by.id, note=note)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another admin saved version ``number`` meanwhile: theirs stands, this one is refused
        # rather than silently stacked on top of rules the admin has not seen.
        raise Invalid(_l("Another administrator saved the rules meanwhile. Check them and save again.")) from None
    return row


# --- history ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    code: str | None      # None: the daily cap
    label: object
    before: object
    after: object


@dataclass(frozen=True)
class VersionRow:
    version: int
    created_by: str | None
    created_at: datetime
    note: str
    changes: list[Change] = field(default_factory=list)


def diff(before: RuleSet, after: RuleSet) -> list[Change]:
    out = []
    for code in rules.EDITABLE:
        label = rules.label(code)
        if before.amounts[code] != after.amounts[code]:
            out.append(Change(code, label, before.amounts[code], after.amounts[code]))
        if (code in before.capped) != (code in after.capped):
            out.append(Change(code, _l("%(rule)s: capped", rule=label), code in before.capped, code in after.capped))
    if before.daily_cap != after.daily_cap:
        out.append(Change(None, _l("Daily cap on upvote points"), before.daily_cap, after.daily_cap))
    return out


def history(session: Session, *, page: int = 1, per_page: int = 20) -> Page[VersionRow]:
    """Saved versions, newest first, each with what changed from the version before it."""
    result = paginate(session, select(PointsRuleVersion).order_by(PointsRuleVersion.version.desc()),
                      page, per_page)
    rows = result.items
    oldest = rows[-1].version if rows else 0
    before = session.scalar(select(PointsRuleVersion).where(PointsRuleVersion.version < oldest)
                            .order_by(PointsRuleVersion.version.desc()).limit(1))
    previous = from_settings(before.version, before.settings) if before else defaults()
    out: list[VersionRow] = []
    for row in reversed(rows):
        ruleset = from_settings(row.version, row.settings)
        out.append(VersionRow(row.version, row.created_by.username if row.created_by else None,
                              row.created_at, row.note, diff(previous, ruleset)))
        previous = ruleset
    return Page(items=out[::-1], total=result.total, page=result.page, per_page=result.per_page)
