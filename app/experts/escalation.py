"""Escalation: a routed question that nobody answers does not wait forever.

Step 1, ``next_after`` minutes after routing: the next candidates of the routing decision are
asked (as many as a routing asks, passing the same checks: access, availability, caps).
Step 2, ``moderators_after`` minutes after routing: the moderators of the question's team (its
team admins and members with a moderator role), or the site's moderators when the team has
none, are told (kind ``escalated``).

The minutes come from the config (``ESCALATION_NEXT_MINUTES``, ``ESCALATION_MODERATORS_MINUTES``,
and per tag and per team in ``ESCALATION_POLICIES``), frozen into the watch row when the question
is routed, like the ranking weights in the decision. The most urgent matching rule wins.

A ``EscalationWatch`` row per open routing holds the next step and when it is due, so a sweep
reads only what is due (an index on ``due_at``), however many routings are open. A step runs
once even if two schedulers fire together: the sweep claims it with a conditional update
(``next_step`` must still be the step it read), and the step's row has a unique key
(decision, step) as a second guard. Each step is recorded (``EscalationStep``) and shown in the
routing panel.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, UniqueConstraint, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.accounts.models import Role, TeamMembership, User
from app.db import Base, utcnow
from app.experts.models import CandidateState, RoutingDecision
from app.forum import access
from app.forum.models import Question

BATCH = 500          # watch rows handled per sweep transaction
MAX_MODERATORS = 10  # people told at step 2


class EscalationWatch(Base):
    """The next escalation step of one open routing; deleted once it has none left."""
    __tablename__ = "routing_escalation_watch"
    __table_args__ = (Index("ix_routing_escalation_watch_due_at", "due_at"),
                      Index("ix_routing_escalation_watch_question_id", "question_id"))

    decision_id: Mapped[int] = mapped_column(ForeignKey("routing_decisions.id", ondelete="CASCADE"),
                                             primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer)
    next_step: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    routed_at: Mapped[datetime] = mapped_column(DateTime)
    next_after: Mapped[int] = mapped_column(Integer)        # minutes (frozen policy)
    moderators_after: Mapped[int] = mapped_column(Integer)


class EscalationStep(Base):
    """A step that ran: when, and whom it told (user ids)."""
    __tablename__ = "routing_escalations"
    __table_args__ = (UniqueConstraint("decision_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("routing_decisions.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    notified: Mapped[list] = mapped_column(JSON, default=list)


@dataclass(frozen=True)
class Policy:
    next_after: int          # minutes; 0: no step 1
    moderators_after: int    # minutes; 0: no step 2


def policy_for(question: Question, config=None) -> Policy:
    """The site default, unless rules for the question's tags or team say otherwise; with
    several matching rules the most urgent (smallest) minutes win."""
    config = config or current_app.config
    site = Policy(int(config.get("ESCALATION_NEXT_MINUTES", 30)), int(config.get("ESCALATION_MODERATORS_MINUTES", 120)))
    rules = config.get("ESCALATION_POLICIES") or {}
    matched = [rules.get("tags", {}).get(name) for name in question.tag_names]
    if question.team is not None:
        matched.append(rules.get("teams", {}).get(question.team.slug))
    matched = [r for r in matched if r]
    if not matched:
        return site
    nxt = min(int(r.get("next", site.next_after)) for r in matched)
    mods = min(int(r.get("moderators", site.moderators_after)) for r in matched)
    return Policy(nxt, max(mods, nxt))


def watch(session: Session, decision: RoutingDecision, question: Question, now: datetime) -> EscalationWatch | None:
    """Start watching a just-routed question (called by routing, in its transaction)."""
    policy = policy_for(question)
    first = 1 if policy.next_after > 0 else 2
    minutes = policy.next_after if first == 1 else policy.moderators_after
    if minutes <= 0:
        return None
    row = EscalationWatch(decision_id=decision.id, question_id=question.id, next_step=first,
                          due_at=now + timedelta(minutes=minutes), routed_at=now, next_after=policy.next_after,
                          moderators_after=policy.moderators_after)
    session.add(row)
    return row


def unwatch(session: Session, question_id: int) -> None:
    """The question no longer waits (answered, closed, deleted): nothing more to escalate."""
    session.execute(delete(EscalationWatch).where(EscalationWatch.question_id == question_id))


def _settled(question: Question | None) -> bool:
    return (question is None or question.is_deleted or question.is_closed or question.accepted_answer_id is not None
            or question.answer_count > 0)


def claim(session: Session, row: EscalationWatch, step: int) -> bool:
    """Take ``step`` of this watch for this transaction: True for exactly one of several
    concurrent sweeps (the UPDATE matches only while ``next_step`` is still ``step``)."""
    if step >= 2 or row.moderators_after <= 0:
        done = session.execute(delete(EscalationWatch).where(EscalationWatch.decision_id == row.decision_id,
                                                             EscalationWatch.next_step == step))
    else:
        due = row.routed_at + timedelta(minutes=row.moderators_after)
        done = session.execute(update(EscalationWatch).where(EscalationWatch.decision_id == row.decision_id,
                                                             EscalationWatch.next_step == step)
                               .values(next_step=2, due_at=due), execution_options={"synchronize_session": False})
    return done.rowcount == 1


def sweep(session: Session, now: datetime | None = None, batch: int = BATCH) -> int:
    """Run every due step (a periodic job); returns how many steps ran."""
    now = now or utcnow()
    ran = 0
    rows = list(session.scalars(select(EscalationWatch).where(EscalationWatch.due_at <= now)
                                .order_by(EscalationWatch.due_at).limit(batch)))
    for row in rows:
        question = session.get(Question, row.question_id)
        if _settled(question):
            session.execute(delete(EscalationWatch).where(EscalationWatch.decision_id == row.decision_id))
            continue
        step = row.next_step
        if not claim(session, row, step):
            continue  # another scheduler ran it
        try:
            with session.begin_nested():
                record = EscalationStep(decision_id=row.decision_id, step=step, at=now, notified=[])
                session.add(record)
        except IntegrityError:
            continue
        decision = session.get(RoutingDecision, row.decision_id)
        record.notified = (_ask_next(session, question, decision, now) if step == 1
                           else _tell_moderators(session, question, row, now))
        ran += 1
    session.flush()
    return ran


def sweep_job(session: Session) -> None:
    """The periodic entry point (app.jobs): one batch per run, the next run takes the rest."""
    sweep(session)


def _ask_next(session: Session, question: Question, decision: RoutingDecision, now: datetime) -> list[int]:
    from app.experts import routing

    settings = routing.Settings.from_config(current_app.config)
    waiting = [c for c in decision.candidates if c.state == CandidateState.ranked.value]
    eligible = routing._eligible_users(session, question, [c.user_id for c in waiting])
    waiting = [c for c in waiting if c.user_id in eligible]
    blocked = routing._blocked(session, [c.user_id for c in waiting], now, settings)
    asked = []
    for candidate in routing._pick(waiting, blocked, settings.notify):
        if routing._notify(session, question, candidate, now, "routed", escalated=True):
            asked.append(candidate.user_id)
    return asked


def moderators_of(session: Session, question: Question) -> list[User]:
    """The team's moderators (team admins, members with a moderator role), else the site's
    moderators (else its admins): active, able to see the question, not its asker."""
    def usable(users):
        return [u for u in users if u.is_active_account and u.id != question.author_id and access.can_view(question, u)]

    if question.team_id is not None:
        team = usable(session.scalars(
            select(User).join(TeamMembership, TeamMembership.user_id == User.id)
            .where(TeamMembership.team_id == question.team_id,
                   or_(TeamMembership.is_team_admin.is_(True),
                       User.role.in_([Role.moderator.value, Role.admin.value])))
            .order_by(User.id)))
        if team:
            return team[:MAX_MODERATORS]
    for role in (Role.moderator.value, Role.admin.value):
        site = usable(session.scalars(select(User).where(User.role == role).order_by(User.id)
                                      .limit(MAX_MODERATORS * 3)))
        if site:
            return site[:MAX_MODERATORS]
    return []


def _tell_moderators(session: Session, question: Question, row: EscalationWatch, now: datetime) -> list[int]:
    from app.notifications.services import notify_many

    people = moderators_of(session, question)
    made = notify_many(session, [u.id for u in people], "escalated", question_id=question.id,
                       payload={"minutes": row.moderators_after, "step": 2})
    return [n.user_id for n in made]


def steps_for(session: Session, question_id: int) -> tuple[list[EscalationStep], EscalationWatch | None]:
    """What the routing panel shows: the steps that ran, and the next one if any (two queries)."""
    steps = list(session.scalars(select(EscalationStep)
                                 .join(RoutingDecision, RoutingDecision.id == EscalationStep.decision_id)
                                 .where(RoutingDecision.question_id == question_id).order_by(EscalationStep.step)))
    return steps, session.scalar(select(EscalationWatch).where(EscalationWatch.question_id == question_id))
