"""Vote fraud checks: where each vote came from, the scan that finds voting rings, and the
moderators' decisions on its cases.

Origins. The vote receiver hashes the running request's client IP and device (User-Agent +
Accept-Language) when a vote is cast, and stores nothing outside a request (a CLI or a job votes
from nowhere); other requests pay nothing for it. Raw
addresses are never stored: HMAC with the app's secret, so the table alone cannot be reversed
by hashing the IPv4 space.

The scan (:func:`scan`) works on the ledger: an upvote is a live ``*_upvoted`` entry whose
``actor_id`` is the voter. A voter with ``threshold`` or more live upvotes for one person in
the window has those entries reversed at once (``fraud_reversal``, the originals stay) and a
``repeated`` case opened; a voter who shares an IP or device hash with the person they upvote
gets a ``shared_origin`` case, reversed only when a moderator confirms. Idempotent: reversed
entries are no longer live, and a case is unique per kind and pair (a re-run adds to it).
"""
from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User
from app.db import session_of, utcnow
from app.errors import Conflict, NotFound
from app.forum.models import Answer
from app.pagination import Page, paginate
from app.points import ledger, rules
from app.points.bounty_models import FraudCase, FraudKind, FraudStatus, VoteOrigin
from app.points.models import PointsEntry



# --- origins --------------------------------------------------------------------------------------

def _digest(secret: str, kind: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def origin_hashes(secret: str, ip: str | None, user_agent: str, language: str) -> tuple[str | None, str | None]:
    """(ip hash, device hash); pure, so the hashing is tested without a request."""
    ip_hash = _digest(secret, "ip", ip) if ip else None
    device = f"{user_agent.strip()}|{language.strip()}"
    device_hash = _digest(secret, "device", device) if device != "|" else None
    return ip_hash, device_hash


def current_origin() -> tuple[str | None, str | None] | None:
    """The running request's hashed origin, or None outside a request."""
    if not has_request_context():
        return None
    return origin_hashes(current_app.config["SECRET_KEY"], request.remote_addr,
                         request.headers.get("User-Agent", ""), request.headers.get("Accept-Language", ""))


def on_vote_cast(post, *, by, value, **_) -> None:
    """Record where the vote came from (every vote; the checks read the upvotes)."""
    origin = current_origin()
    if origin is None or post.author_id is None or post.author_id == by.id:
        return
    is_answer = isinstance(post, Answer)
    session_of(post).add(VoteOrigin(voter_id=by.id, target_id=post.author_id,
                                    question_id=post.question_id if is_answer else post.id,
                                    answer_id=post.id if is_answer else None, value=value,
                                    ip_hash=origin[0], device_hash=origin[1], created_at=utcnow()))


# --- the scan ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScanResult:
    reversed_entries: int
    repeated_cases: int     # cases opened or added to
    shared_cases: int


def _live_upvotes(session: Session, since: datetime, voter_id=None, target_id=None) -> list[PointsEntry]:
    reversal = aliased(PointsEntry)
    stmt = (select(PointsEntry).outerjoin(reversal, reversal.reverses_id == PointsEntry.id)
            .where(PointsEntry.reason.in_(rules.UPVOTE_REASONS), PointsEntry.reverses_id.is_(None),
                   reversal.id.is_(None), PointsEntry.actor_id.is_not(None), PointsEntry.created_at >= since))
    if voter_id is not None:
        stmt = stmt.where(PointsEntry.actor_id == voter_id, PointsEntry.user_id == target_id)
    return list(session.scalars(stmt.order_by(PointsEntry.id)))


def _case(session: Session, kind: str, voter_id: int, target_id: int, now: datetime) -> FraudCase:
    case = session.scalar(select(FraudCase).where(FraudCase.kind == kind, FraudCase.voter_id == voter_id,
                                                  FraudCase.target_id == target_id))
    if case is None:
        case = FraudCase(kind=kind, voter_id=voter_id, target_id=target_id, status=FraudStatus.open,
                         entry_ids=[], reversed_ids=[], evidence={}, created_at=now, updated_at=now)
        session.add(case)
    return case


def _reverse(session: Session, entries, actor_id: int | None, now: datetime) -> list[int]:
    return [e.id for e in entries
            if ledger.reverse_for(session, e.id, rules.FRAUD_REVERSAL.code, actor_id=actor_id, now=now)]


def shared_origin_pairs(session: Session, since: datetime) -> dict[tuple[int, int], set[str]]:
    """(voter, target) pairs where the voter upvoted the target and the two were seen voting from
    the same IP or device hash; value: which of "ip"/"device" matched."""
    mine, theirs = aliased(VoteOrigin), aliased(VoteOrigin)
    rows = session.execute(
        select(mine.voter_id, mine.target_id, mine.ip_hash == theirs.ip_hash, mine.device_hash == theirs.device_hash)
        .join(theirs, and_(theirs.voter_id == mine.target_id,
                           or_(mine.ip_hash == theirs.ip_hash, mine.device_hash == theirs.device_hash)))
        .where(mine.created_at >= since, mine.value == 1, mine.target_id.is_not(None))).all()
    out: dict[tuple[int, int], set[str]] = {}
    for voter, target, same_ip, same_device in rows:
        found = out.setdefault((voter, target), set())
        if same_ip:
            found.add("ip")
        if same_device:
            found.add("device")
    return out


def scan(session: Session, *, window_days: int | None = None, threshold: int | None = None,
         now: datetime | None = None) -> ScanResult:
    """One pass of the fraud checks (see the module doc). Runs in the caller's transaction."""
    config = current_app.config
    window_days = window_days or config.get("FRAUD_WINDOW_DAYS", 7)
    threshold = threshold or config.get("FRAUD_VOTE_THRESHOLD", 10)
    now = now or utcnow()
    since = now - timedelta(days=window_days)
    counts = Counter((e.actor_id, e.user_id) for e in _live_upvotes(session, since))
    reversed_total, repeated = 0, 0
    for (voter_id, target_id), votes in sorted(counts.items()):
        if not rules.exceeds_threshold(votes, threshold):
            continue
        entries = _live_upvotes(session, since, voter_id, target_id)
        done = _reverse(session, entries, None, now)
        case = _case(session, FraudKind.repeated, voter_id, target_id, now)
        case.entry_ids = sorted(set(case.entry_ids or []) | {e.id for e in entries})
        case.reversed_ids = sorted(set(case.reversed_ids or []) | set(done))
        case.evidence = {"votes": len(case.entry_ids), "window_days": window_days, "threshold": threshold}
        case.status, case.updated_at = FraudStatus.open, now
        reversed_total += len(done)
        repeated += 1
    shared = 0
    for (voter_id, target_id), matched in shared_origin_pairs(session, since).items():
        entries = _live_upvotes(session, since, voter_id, target_id)
        if not entries:  # their upvotes were already reversed (a repeated-votes case): nothing to flag
            continue
        case = _case(session, FraudKind.shared_origin, voter_id, target_id, now)
        new = {e.id for e in entries} - set(case.entry_ids or [])
        if case.id is not None and not new:
            continue  # nothing new since the last scan: leave the case (and a decision) alone
        case.entry_ids = sorted(set(case.entry_ids or []) | new)
        case.evidence = {"votes": len(case.entry_ids), "shared": sorted(matched), "window_days": window_days}
        case.status, case.updated_at = FraudStatus.open, now
        shared += 1
    session.flush()
    return ScanResult(reversed_total, repeated, shared)


def scan_job(session: Session) -> None:
    """The daily periodic job (app.jobs)."""
    scan(session)


# --- the moderators' queue -------------------------------------------------------------------------

def list_cases(session: Session, *, status: str | None = FraudStatus.open, page: int = 1,
               per_page: int = 20) -> Page[FraudCase]:
    stmt = select(FraudCase).order_by(FraudCase.updated_at.desc(), FraudCase.id.desc())
    if status:
        stmt = stmt.where(FraudCase.status == status)
    return paginate(session, stmt, page, per_page)


def decide(session: Session, case_id: int, action: str, *, by: User, now: datetime | None = None) -> FraudCase:
    """``confirm`` (a shared-origin case's votes are reversed now) or ``dismiss`` a case.

    Callers check that ``by`` is a moderator. A repeated-votes case was reversed by the scan;
    dismissing it closes the case and leaves the reversal in the ledger (a moderator who
    disagrees sees the entries in both people's history)."""
    case = session.get(FraudCase, case_id)
    if case is None:
        raise NotFound(_l("No such case."))
    if case.status != FraudStatus.open:
        raise Conflict(_l("This case was already decided."))
    now = now or utcnow()
    if action == "confirm":
        entries = [session.get(PointsEntry, i) for i in case.entry_ids or []]
        done = _reverse(session, [e for e in entries if e is not None], by.id, now)
        case.reversed_ids = sorted(set(case.reversed_ids or []) | set(done))
        case.status = FraudStatus.confirmed
    elif action == "dismiss":
        case.status = FraudStatus.dismissed
    else:
        raise NotFound(_l("No such action."))
    case.decided_by_id, case.decided_at, case.updated_at = by.id, now, now
    session.flush()
    return case
