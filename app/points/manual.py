"""Manual awards and deductions by admins: ledger entries with reason ``manual``.

Each carries the admin's reason (``PointsEntry.note``, shown in the user's history) and the
admin as actor. Idempotent per submission: the form (or the CLI run) brings a one-off key,
and the entry's stem is ``manual:<key>``, so a double-click or a retried request finds the
entry already written and adds nothing. A manual entry is not about any post and ignores the
rule set: its amount is what the admin typed, never capped.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.errors import Forbidden, Invalid
from app.points import ledger, rules
from app.points.models import PointsEntry

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
REASON_MAX = 500


def new_key() -> str:
    """A key for one submission (the form's nonce, or one CLI run)."""
    return secrets.token_urlsafe(16)


def parse_amount(raw) -> tuple[int | None, object | None]:
    """(amount, None) or (None, error) for a typed amount: non-zero, within MANUAL_LIMIT."""
    text = str(raw if raw is not None else "").strip()
    if not text.lstrip("+-").isdigit() or len(text) > 12:
        return None, _l("Enter a whole number, e.g. 50 or -20.")
    value = int(text)
    if value == 0:
        return None, _l("Enter an amount other than 0.")
    if abs(value) > rules.MANUAL_LIMIT:
        return None, _l("At most %(n)s points either way.", n=rules.MANUAL_LIMIT)
    return value, None


def award_manually(session: Session, *, user: User | None, amount, reason: str, by, key: str,
                   now: datetime | None = None) -> tuple[PointsEntry, bool]:
    """Award ``amount`` (negative: deduct) to ``user``; returns (entry, created).

    ``created`` is False when ``key`` was already used: the earlier entry is returned and
    nothing is written. Raises Forbidden for a non-admin and Invalid (fields ``username``,
    ``amount``, ``reason``, ``nonce``) for bad input.
    """
    if not getattr(by, "is_admin", False):
        raise Forbidden()
    errors: dict[str, object] = {}
    if user is None:
        errors["username"] = _l("Nobody has that username.")
    value, error = parse_amount(amount)
    if error:
        errors["amount"] = error
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _l("Give a reason: it is shown in the user's points history.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _l("At most %(n)s characters.", n=REASON_MAX)
    if not KEY_RE.match(key or ""):
        # Only a tampered or stale form gets here; ask to submit again with a fresh one.
        errors["nonce"] = _l("This form has expired. Please submit it again.")
    if errors:
        raise Invalid(errors=errors)
    stem = f"manual:{key}"
    ledger.lock_users(session, [user.id])
    done = ledger.stem_state(session, stem).live
    if done is not None:
        return done, False
    entry = PointsEntry(user_id=user.id, amount=value, reason=rules.MANUAL, note=reason, actor_id=by.id,
                        idempotency_key=ledger.award_key(stem, 0), key_stem=stem, rule_version=None,
                        created_at=now or utcnow())
    written = ledger.write(session, entry)
    if written is None:  # a concurrent twin of the same submission won the unique key
        return ledger.stem_state(session, stem).live, False
    return written, True
