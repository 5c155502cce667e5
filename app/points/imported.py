"""Points for imported history: votes and acceptances of a Stack Exchange dump, by the same rules
(and the rule set in force) as live activity, so that ``flask points verify`` holds after an
import and imported experts start with the standing they earned.

The importer (``app.importer.loader``) calls :func:`award_history` inside its one transaction,
for the posts that import inserted (a re-import inserts none, so it awards nothing again):

* Votes.xml is anonymous. An up or down vote pays the post's author as a live vote would
  (upvotes capped per UTC day of the vote, downvotes -2); the downvoter's own cost is not
  charged, since nobody is known to charge. The stem is the dump's vote id
  (``import:<site>:v<id>``), as live stems name the voter. Only posts new in this import are
  awarded, so a re-import finds nothing to award and no stem can already be live.
* An accepted answer pays exactly as a live accept by the asker (``rules.accept_awards``),
  under the live stems, so a moderator unaccepting it later reverses it like any other.
* Entries are dated when the vote was cast (the dump's date), not at import time: the daily
  cap then applies to the day it was earned, and a period leaderboard is not swamped by
  years of history landing in one week.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.points import ledger, rules
from app.points.models import PointsEntry
from app.points.ruleset import current as current_ruleset

CHUNK = 500


@dataclass(frozen=True)
class ImportedVote:
    source_id: int            # the dump's vote id
    post: rules.Post
    value: int                # +1 | -1
    at: datetime | None


@dataclass(frozen=True)
class ImportedAccept:
    answer: rules.Post
    asker_id: int | None
    at: datetime | None


def vote_award(site: str, vote: ImportedVote) -> rules.Award | None:
    """What an anonymous imported vote pays its post's author (None: nothing, e.g. no author)."""
    post = vote.post
    if post.author_id is None or vote.value not in (1, -1):
        return None
    if vote.value == 1:
        rule = rules.QUESTION_UPVOTED if post.kind == "question" else rules.ANSWER_UPVOTED
    else:
        rule = rules.QUESTION_DOWNVOTED if post.kind == "question" else rules.ANSWER_DOWNVOTED
    return rules.Award(user_id=post.author_id, amount=rule.amount, reason=rule.code,
                       stem=f"import:{site}:v{vote.source_id}", question_id=post.question_id,
                       answer_id=post.answer_id, actor_id=None)


def award_history(session: Session, site: str, votes: Iterable[ImportedVote],
                  accepts: Iterable[ImportedAccept]) -> int:
    """Write the entries for imported votes (in the order cast) and accepts; returns how many.

    In bulk, not through ``ledger.award`` one by one (16,671 votes of the beer dump took 70 s
    that way, against 3 s for the rest of the import): the posts are new in this import, so
    none of these stems can be live and nothing needs looking up per entry. What the ledger
    would compute is computed here the same way: amounts and cap flags from the rule set in
    force, the cap per user and UTC day on top of what they already earned that day, and the
    cached totals raised by exactly the sum written. Flushes, never commits.
    """
    now = utcnow()
    items: list[tuple[rules.Award, datetime]] = []
    for vote in sorted(votes, key=lambda v: (v.at or now, v.source_id)):
        item = vote_award(site, vote)
        if item is not None:
            items.append((item, vote.at or now))
    for accept in accepts:
        items += [(item, accept.at or now)
                  for item in rules.accept_awards(accept.answer, accept.asker_id, accept.asker_id)]
    if not items:
        return 0
    ruleset = current_ruleset(session)
    capped_codes = ruleset.capped_codes()
    earned = _capped_by_day(session, {item.user_id for item, _at in items}, capped_codes)
    rows, totals = [], defaultdict(int)
    for item, at in items:
        amount = ruleset.amount(item.reason, item.amount)
        if ruleset.is_capped(item.reason):
            day = (item.user_id, at.date().isoformat())
            amount = rules.capped_amount(amount, earned[day], ruleset.daily_cap)
            earned[day] += amount
        rows.append(dict(user_id=item.user_id, amount=amount, reason=item.reason, question_id=item.question_id,
                         answer_id=item.answer_id, actor_id=item.actor_id, key_stem=item.stem,
                         idempotency_key=ledger.award_key(item.stem, 0), reverses_id=None,
                         rule_version=ruleset.version, note=None, created_at=at))
        totals[item.user_id] += amount
    connection = session.connection()
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(PointsEntry.__table__), rows[start:start + CHUNK])
    deltas = [dict(uid=uid, delta=delta) for uid, delta in sorted(totals.items()) if delta]
    if deltas:  # an empty executemany would run the UPDATE once without parameters
        users = User.__table__
        connection.execute(update(users).where(users.c.id == bindparam("uid"))
                           .values(points=users.c.points + bindparam("delta")), deltas)
    return len(rows)


def _capped_by_day(session: Session, user_ids: set[int], capped: list[str]) -> defaultdict:
    """{(user id, 'YYYY-MM-DD'): net capped points already earned that UTC day} for these users
    (non-zero only for users of an earlier import of the site, or local users)."""
    earned: defaultdict = defaultdict(int)
    day = func.date(PointsEntry.created_at)
    ordered = sorted(user_ids)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        for uid, d, total in session.execute(
                select(PointsEntry.user_id, day, func.sum(PointsEntry.amount))
                .where(PointsEntry.user_id.in_(chunk), PointsEntry.reason.in_(capped)).group_by(PointsEntry.user_id, day)):
            earned[(uid, str(d)[:10])] = int(total or 0)
    return earned
