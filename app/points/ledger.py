"""Writing the points ledger: awards, reversals and the cached total on the user.

Contract (DESIGN.md convention 8):

* Append-only. Every change is a new ``PointsEntry``; a reversal is an entry of the opposite
  amount whose ``reverses_id`` names the award it cancels. Nothing here updates or deletes
  an entry (the model refuses it).
* Same transaction. Functions flush but never commit: the caller's unit of work (the vote,
  the accept) commits or rolls back the points with it.
* Cached total. ``User.points`` changes only by ``UPDATE users SET points = points + :amount``
  in the same transaction, after the user's row is locked (``SELECT ... FOR NO KEY UPDATE``
  on PostgreSQL; SQLite needs no lock because a writing transaction already holds the
  database write lock, see ``app.db.wants_write``). Users are locked in ascending id order,
  so two plans touching the same two users (a downvote costs the voter and hits the author)
  cannot deadlock each other. NO KEY UPDATE, not UPDATE: it still serialises writers of the
  total, but does not block the FOR KEY SHARE that foreign-key checks take on the user (a
  vote row naming its voter), which with FOR UPDATE closed lock cycles between requests.

Idempotency keys and generations. A rule names the fact it rewards with a *stem*
(``vote:a12:u5:up``). A fact is *live* when it has an award entry that is not reversed.
``award`` of a live stem is a no-op; otherwise it writes ``<stem>/g<n>`` where ``n`` is the
number of earlier awards of that stem (each of them reversed, or the stem would be live).
``reverse`` of a stem writes ``<key of the live award>/rev``, and is a no-op when nothing is
live. So vote, retract, vote again gives ``.../g0``, ``.../g0/rev``, ``.../g1``: the re-vote
pays again, yet replaying any single step (a handler run twice, a retried signal) finds
the state it would produce and writes nothing. The unique index on the key is the last
guard: a concurrent writer that slipped past the check fails its SAVEPOINT and is a no-op.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.db import is_postgres, utcnow
from app.points import rules
from app.points.models import PointsEntry
from app.points.ruleset import current as current_ruleset

REVERSAL_SUFFIX = "/rev"


def award_key(stem: str, generation: int) -> str:
    return f"{stem}/g{generation}"


@dataclass(frozen=True)
class StemState:
    live: PointsEntry | None   # the unreversed award, if any
    generation: int            # how many awards the stem has had


def stem_state(session: Session, stem: str) -> StemState:
    """The live award of ``stem`` and its award count, from the stem's few rows."""
    rows = list(session.scalars(select(PointsEntry).where(PointsEntry.key_stem == stem)
                                .order_by(PointsEntry.id)))
    reversed_ids = {r.reverses_id for r in rows if r.reverses_id is not None}
    awards = [r for r in rows if r.reverses_id is None]
    live = [a for a in awards if a.id not in reversed_ids]
    return StemState(live=live[-1] if live else None, generation=len(awards))


def lock_users(session: Session, user_ids: Iterable[int | None]) -> None:
    """Lock the users' rows for the rest of the transaction, in id order (PostgreSQL only)."""
    ids = sorted({i for i in user_ids if i is not None})
    if ids and is_postgres(session):
        session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id)
                        .with_for_update(key_share=True))  # FOR NO KEY UPDATE


def award(session: Session, item: rules.Award, *, now: datetime | None = None) -> PointsEntry | None:
    """Write ``item`` unless its stem is live; returns the new entry or None (no-op).

    A capped reason pays at most what is left of the user's daily allowance
    (``rules.capped_amount``), possibly 0: the zero entry is still written, so the fact is
    live and a later retraction reverses exactly what was paid.
    """
    now = now or utcnow()
    lock_users(session, [item.user_id])
    state = stem_state(session, item.stem)
    if state.live is not None:
        return None
    # The amounts and cap in force now (an admin may have saved a new version); the entry
    # records which version it was made under, so later changes never reinterpret it.
    ruleset = current_ruleset(session)
    amount = ruleset.amount(item.reason, item.amount)
    if ruleset.is_capped(item.reason):
        earned = _capped_today(session, item.user_id, now, ruleset.capped_codes())
        amount = rules.capped_amount(amount, earned, ruleset.daily_cap)
    entry = PointsEntry(user_id=item.user_id, amount=amount, reason=item.reason,
                        question_id=item.question_id, answer_id=item.answer_id, actor_id=item.actor_id,
                        idempotency_key=award_key(item.stem, state.generation), key_stem=item.stem,
                        rule_version=ruleset.version, created_at=now)
    return _insert(session, entry)


def reverse(session: Session, stem: str, *, actor_id: int | None = None,
            now: datetime | None = None) -> PointsEntry | None:
    """Cancel the live award of ``stem`` with an opposite entry; None when nothing is live.

    ``stem`` is the key of the original without its generation: the caller knows the fact
    ("user 5's upvote on answer 12"), not which generation of it is live.
    """
    state = stem_state(session, stem)
    if state.live is None:
        return None
    if is_postgres(session):
        # The owner is known only now; re-read under their lock, since under READ COMMITTED
        # a concurrent transaction may have reversed it meanwhile. (SQLite: the write lock
        # held since the transaction's first write already excludes that.)
        lock_users(session, [state.live.user_id])
        state = stem_state(session, stem)
        if state.live is None:
            return None
    return _reverse_entry(session, state.live, actor_id=actor_id, now=now or utcnow())


def reverse_for(session: Session, entry_id: int, reason: str, *, actor_id: int | None = None,
                now: datetime | None = None) -> PointsEntry | None:
    """Cancel one award with an entry that records *why* (``reason``, e.g. ``fraud_reversal``)
    instead of repeating the award's reason; None when it is already reversed (idempotent).

    The reversal still names the award by ``reverses_id`` and keys ``<key>/rev``, so the stem
    is no longer live for every other path (a retracted vote then reverses nothing)."""
    original = session.get(PointsEntry, entry_id)
    if original is None or original.reverses_id is not None:
        return None
    lock_users(session, [original.user_id])
    if session.scalar(select(PointsEntry.id).where(PointsEntry.reverses_id == original.id)) is not None:
        return None
    return _reverse_entry(session, original, actor_id=actor_id, now=now or utcnow(), reason=reason)


def live_entries_on(session: Session, post: rules.Post) -> list[PointsEntry]:
    """Unreversed awards earned on ``post`` (a question's own entries, not its answers')."""
    where = (PointsEntry.answer_id == post.id if post.kind == "answer"
             else and_(PointsEntry.question_id == post.id, PointsEntry.answer_id.is_(None)))
    return list(session.scalars(_live(where).order_by(PointsEntry.id)))


def rewarded_accepts(session: Session, question_id: int) -> list[int]:
    """Ids of the question's answers whose accept entries are live (normally 0 or 1)."""
    reasons = (rules.ANSWER_ACCEPTED.code, rules.ACCEPTED_ANSWER.code)
    stmt = _live(and_(PointsEntry.question_id == question_id, PointsEntry.reason.in_(reasons)))
    return sorted({e.answer_id for e in session.scalars(stmt) if e.answer_id is not None})


def _live(where) -> Select:
    reversal = aliased(PointsEntry)
    return (select(PointsEntry).outerjoin(reversal, reversal.reverses_id == PointsEntry.id)
            .where(where, PointsEntry.reverses_id.is_(None), reversal.id.is_(None)))


def apply(session: Session, plan: rules.Plan, *, actor_id: int | None = None,
          now: datetime | None = None) -> list[PointsEntry]:
    """Carry out ``plan`` (order in ``rules.Plan``); returns the entries written."""
    if not plan:
        return []
    now = now or utcnow()
    on_post = live_entries_on(session, plan.reverse_post) if plan.reverse_post else []
    # Every user this plan may touch, locked once and in order before any write.
    owners = session.scalars(select(PointsEntry.user_id).where(PointsEntry.key_stem.in_(plan.reverse))) \
        if plan.reverse else []
    lock_users(session, [*(e.user_id for e in on_post), *owners, *(a.user_id for a in plan.award)])
    written: list[PointsEntry | None] = []
    for entry in on_post:
        written.append(reverse(session, entry.key_stem, actor_id=actor_id, now=now))
    for stem in plan.reverse:
        written.append(reverse(session, stem, actor_id=actor_id, now=now))
    for item in plan.award:
        written.append(award(session, item, now=now))
    return [e for e in written if e is not None]


def rebuild_totals(session: Session) -> list[tuple[int, int, int]]:
    """Set every cached total that differs from its ledger sum to that sum.

    Returns the (user_id, old cached, ledger sum) rows that changed. Callers commit.
    """
    from app.points.queries import verify  # the read side owns the comparison

    mismatches = verify(session)
    lock_users(session, [m.user_id for m in mismatches])
    changed = []
    for m in verify(session):  # again under the locks, so a concurrent award is not undone
        _set_total(session, m.user_id, m.ledger)
        changed.append((m.user_id, m.cached, m.ledger))
    return changed


def write(session: Session, entry: PointsEntry) -> PointsEntry | None:
    """Insert a ready entry (a manual award) and add it to the cached total; None when its
    idempotency key exists already. Callers lock the user first (``lock_users``)."""
    return _insert(session, entry)


# --- internals -------------------------------------------------------------------------------

def _reverse_entry(session: Session, original: PointsEntry, *, actor_id: int | None,
                   now: datetime, reason: str | None = None) -> PointsEntry | None:
    # The original's amount and version, not today's rules: a reversal cancels exactly what was paid.
    entry = PointsEntry(user_id=original.user_id, amount=-original.amount, reason=reason or original.reason,
                        question_id=original.question_id, answer_id=original.answer_id, actor_id=actor_id,
                        idempotency_key=original.idempotency_key + REVERSAL_SUFFIX,
                        key_stem=original.key_stem, reverses_id=original.id,
                        rule_version=original.rule_version, created_at=now)
    return _insert(session, entry)


def _insert(session: Session, entry: PointsEntry) -> PointsEntry | None:
    """Insert inside a SAVEPOINT; a duplicate key (a concurrent twin) is a no-op, not an error."""
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        # Only the savepoint is rolled back: the caller's vote and earlier entries stand.
        return None
    if entry.amount:
        _add_to_total(session, entry.user_id, entry.amount)
    return entry


def _add_to_total(session: Session, user_id: int, amount: int) -> None:
    # Atomic in SQL (never read-modify-write in Python); RETURNING refreshes a loaded User.
    total = session.execute(
        update(User).where(User.id == user_id).values(points=User.points + amount).returning(User.points),
        execution_options={"synchronize_session": False}).scalar_one()
    _sync_loaded_user(session, user_id, total)


def _set_total(session: Session, user_id: int, total: int) -> None:
    session.execute(update(User).where(User.id == user_id).values(points=total),
                    execution_options={"synchronize_session": False})
    _sync_loaded_user(session, user_id, total)


def _sync_loaded_user(session: Session, user_id: int, total: int) -> None:
    user = session.identity_map.get(session.identity_key(User, user_id))
    if user is not None:
        set_committed_value(user, "points", total)


def _capped_today(session: Session, user_id: int, now: datetime, capped: list[str]) -> int:
    """Net points from capped reasons the user earned in ``now``'s UTC day (reversals count)."""
    start, end = rules.utc_day(now)
    return session.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
        PointsEntry.user_id == user_id, PointsEntry.reason.in_(capped),
        PointsEntry.created_at >= start, PointsEntry.created_at < end)) or 0
