"""Bounties (service layer): offer part of one's points on an open question for a week; the
answer that solves it earns them all, or half comes back when the week ends with no award.

Every amount moves through the ledger (``rules.bounty_*`` awards; DESIGN.md convention 8) in
the caller's transaction; nothing here commits. Paying twice is prevented twice over:

* a bounty leaves ``open`` only by a conditional ``UPDATE ... WHERE status = 'open'``, so of an
  award and an expiry racing on it exactly one wins the row, and the loser does nothing;
* award and refund share one ledger stem (``rules.bounty_stems``), whose unique idempotency key
  lets the ledger write at most one of them whatever happens above.

Offering twice at once: ``Bounty.open_question_id`` is unique while open, and the offerer's
balance is checked with their row locked (PostgreSQL) or under the write lock (SQLite).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import signals
from app.accounts.models import User
from app.db import session_of, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.forum import access
from app.forum.models import Answer, Question
from app.forum.services.common import require_visible
from app.pagination import Page, paginate
from app.points import ledger, rules
from app.points.bounty_models import Bounty, BountyStatus

_REFUSALS = {
    "closed": _l("Bounties can only be offered on open questions without an accepted answer."),
    "exists": _l("This question already has an open bounty."),
    "too_small": _l("A bounty is at least %(n)d points.", n=rules.BOUNTY_MIN),
    "too_large": _l("You cannot offer more points than you have."),
}


def is_open_question(question: Question) -> bool:
    return not question.is_deleted and question.closed_at is None and question.accepted_answer_id is None


def open_bounty(session: Session, question_id: int) -> Bounty | None:
    return session.scalar(select(Bounty).where(Bounty.open_question_id == question_id))


def open_bounties_for(session: Session, question_ids) -> dict[int, Bounty]:
    ids = list(question_ids)
    if not ids:
        return {}
    return {b.question_id: b for b in session.scalars(select(Bounty).where(Bounty.open_question_id.in_(ids)))}


def offer_bounty(session: Session, question: Question | None, amount, *, by: User,
                 now: datetime | None = None) -> Bounty:
    """``by`` offers ``amount`` of their points on ``question`` for ``rules.BOUNTY_DAYS``.

    NotFound for a question ``by`` may not see; Invalid (on ``amount``) when the rules refuse it."""
    question = require_visible(question, by)
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise Invalid(errors={"amount": _l("Enter a whole number of points.")})
    now = now or utcnow()
    ledger.lock_users(session, [by.id])
    balance = session.scalar(select(User.points).where(User.id == by.id)) or 0
    refusal = rules.bounty_refusal(amount=amount, balance=balance, is_open=is_open_question(question),
                                   has_open_bounty=open_bounty(session, question.id) is not None)
    if refusal is not None:
        raise Invalid(errors={"amount": _REFUSALS[refusal]})
    bounty = Bounty(question_id=question.id, offerer_id=by.id, amount=amount, status=BountyStatus.open,
                    open_question_id=question.id, created_at=now,
                    expires_at=now + timedelta(days=rules.BOUNTY_DAYS))
    try:
        with session.begin_nested():  # a concurrent offer on the question took the slot first
            session.add(bounty)
    except IntegrityError:
        raise Invalid(errors={"amount": _REFUSALS["exists"]}) from None
    if ledger.award(session, rules.bounty_offer(bounty.id, by.id, question.id, amount), now=now) is None:
        raise Conflict(_l("This bounty was already paid for."))
    signals.bounty_offered.send(bounty, by=by, question=question)
    return bounty


def _claim(session: Session, bounty: Bounty, status: str, now: datetime, **values) -> bool:
    """Move ``bounty`` out of ``open``; False when someone else already did (the race's loser)."""
    result = session.execute(update(Bounty).where(Bounty.id == bounty.id, Bounty.status == BountyStatus.open)
                             .values(status=status, open_question_id=None, settled_at=now, **values),
                             execution_options={"synchronize_session": False})
    session.refresh(bounty)
    return result.rowcount == 1


def award_bounty(session: Session, bounty: Bounty | None, answer: Answer | None, *, by: User | None,
                 now: datetime | None = None, accepted: bool = False) -> Bounty:
    """Pay ``bounty`` to ``answer``'s author. ``by`` None or ``accepted``: on the question's accept.

    By hand only the offerer, before expiry, and never to their own answer or an answer of
    another question. Conflict when the bounty is no longer open (awarded, expired)."""
    if bounty is None:
        raise NotFound(_l("No such bounty."))
    now = now or utcnow()
    if not accepted:
        if by is None or by.id != bounty.offerer_id:
            raise Forbidden(_l("Only the person who offered the bounty can award it."))
        if answer is None or answer.question_id != bounty.question_id or answer.is_deleted:
            raise Invalid(errors={"answer_id": _l("Choose an answer to this question.")})
        if answer.author_id is None or answer.author_id == by.id:
            raise Invalid(errors={"answer_id": _l("You cannot award your own bounty to your own answer.")})
    if not bounty.is_open or bounty.expires_at <= now:
        raise Conflict(_l("This bounty is no longer open."))
    if not _claim(session, bounty, BountyStatus.awarded, now, answer_id=answer.id, awarded_to_id=answer.author_id):
        raise Conflict(_l("This bounty is no longer open."))
    post = rules.Post("answer", answer.id, answer.question_id, answer.author_id)
    ledger.award(session, rules.bounty_award(bounty.id, bounty.question_id, post, bounty.amount,
                                             getattr(by, "id", None)), now=now)
    return bounty


def expire_bounties(session: Session, *, now: datetime | None = None) -> list[int]:
    """Close every open bounty past its week and refund half; returns the ids refunded.

    Idempotent and safe to run in two processes at once: each bounty is claimed by a conditional
    UPDATE, and the refund shares the award's ledger stem."""
    now = now or utcnow()
    due = list(session.scalars(select(Bounty).where(Bounty.status == BountyStatus.open, Bounty.expires_at <= now)
                               .order_by(Bounty.id)))
    done = []
    for bounty in due:
        if _claim(session, bounty, BountyStatus.expired, now):
            ledger.award(session, rules.bounty_refund(bounty.id, bounty.offerer_id, bounty.question_id,
                                                      bounty.amount), now=now)
            done.append(bounty.id)
    return done


def expire_job(session: Session) -> None:
    """The periodic job (app.jobs): expire what is due."""
    expire_bounties(session)


def on_answer_accepted(answer: Answer, *, by=None, **_) -> None:
    """The accepted answer earns the question's open bounty, unless it is the offerer's own
    (then the bounty stays open for someone else's answer, or expires)."""
    session = session_of(answer)
    bounty = open_bounty(session, answer.question_id)
    if bounty is None or answer.author_id is None or answer.author_id == bounty.offerer_id \
            or bounty.expires_at <= utcnow():
        return
    try:
        with session.begin_nested():
            award_bounty(session, bounty, answer, by=by, accepted=True)
    except Conflict:  # expired or awarded in between: the accept itself still stands
        pass


def list_open(session: Session, viewer, *, page: int = 1, per_page: int = 20) -> Page[Bounty]:
    """Open bounties on questions ``viewer`` may see, ending soonest first."""
    stmt = (select(Bounty).join(Question, Question.id == Bounty.question_id)
            .where(Bounty.status == BountyStatus.open, Bounty.expires_at > utcnow(),
                   access.visible_clause(viewer))
            .order_by(Bounty.expires_at, Bounty.id))
    return paginate(session, stmt, page, per_page)


def can_offer(question: Question, viewer) -> bool:
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False) and is_open_question(question))
