"""View models of the experts' HTML pages and of the panels they add to forum pages.

Everything a template shows is loaded here, up front and in a fixed number of queries, so
templates run none (DESIGN.md). The panels on the question and user pages are built here,
not in ``app.forum``, because the forum imports no other domain.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.experts import queries
from app.experts.models import ExpertProfile, RoutingCandidate, RoutingDecision, TagInterest
from app.forum import access
from app.forum.models import Question, Tag
from app.forum.queries import visible_tags

# --- the routing panel of the question page ----------------------------------------------


@dataclass
class Person:
    """Just what ``user_link`` needs: loading whole User rows would also load their memberships."""
    id: int
    display_name: str


@dataclass
class RoutingPanel:
    question: Question
    is_moderator: bool
    status: str | None                     # the decision's status; None: not routed yet
    rows: list[RoutingCandidate]
    people: dict[int, Person] = field(default_factory=dict)

    @property
    def mine(self) -> RoutingCandidate | None:
        return self.rows[0] if self.rows and not self.is_moderator else None


def routing_panel(session: Session, question: Question, viewer) -> RoutingPanel | None:
    """Every candidate for moderators, the viewer's own row for a person it was routed to
    (notified, whatever happened next), None for anyone else. One query for a logged-in viewer, none for a visitor."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not access.can_view(question, viewer):
        return None
    is_moderator = access.can_moderate(viewer)
    stmt = (select(RoutingCandidate, RoutingDecision.status, User.id, User.display_name)
            .join(RoutingDecision, RoutingDecision.id == RoutingCandidate.decision_id)
            .join(User, User.id == RoutingCandidate.user_id)
            .where(RoutingDecision.question_id == question.id).order_by(RoutingCandidate.rank))
    if not is_moderator:  # only someone actually asked: being ranked but never notified says nothing
        stmt = stmt.where(RoutingCandidate.user_id == viewer.id, RoutingCandidate.notified_at.is_not(None))
    found = session.execute(stmt).all()
    if not found and not is_moderator:
        return None
    return RoutingPanel(question=question, is_moderator=is_moderator, status=found[0][1] if found else None,
                        rows=[row[0] for row in found],
                        people={uid: Person(uid, name) for _c, _s, uid, name in found})


# --- the expert directory -------------------------------------------------------------------


@dataclass
class TagExperts:
    tag: Tag
    questions: int
    experts: list[queries.ExpertRow]


def tag_overview(session: Session, viewer, *, now: datetime, tags: int = 8, per_tag: int = 3) -> list[TagExperts]:
    """The most used tags the viewer may see, each with its top experts (the directory's
    landing page). Tags nobody answered yet are left out."""
    shown = visible_tags(session, viewer, per_page=tags).items
    experts = queries.experts_for_tags(session, [tag.name for tag, _ in shown], viewer, limit=per_tag, now=now)
    return [TagExperts(tag, count, experts[tag.name]) for tag, count in shown if experts[tag.name]]


# --- the user page and the settings form ------------------------------------------------------


@dataclass
class Expertise:
    tags: list[queries.TagExpertise]
    declared: list[str]

    def __bool__(self) -> bool:
        return bool(self.tags or self.declared)


def expertise(session: Session, user: User, viewer) -> Expertise:
    """The "Expertise" section of a user page: evidence the viewer may see, and declared tags."""
    declared = queries.interests_of(session, user.id)[TagInterest.declared.value]
    return Expertise(queries.expertise_profile(session, user, viewer), declared)


@dataclass
class ExpertSettings:
    available: bool
    away_until: datetime | None
    max_open_routes: int | None
    daily_limit: int | None
    declared: list[str]
    subscribed: list[str]


def expert_settings(session: Session, user: User) -> ExpertSettings:
    """What the settings form starts from; reads only (no profile row is created on a GET)."""
    profile = session.get(ExpertProfile, user.id)
    interests = queries.interests_of(session, user.id)
    if profile is None:
        profile = ExpertProfile(is_available=True)
    return ExpertSettings(profile.is_available, profile.away_until, profile.max_open_routes, profile.daily_limit,
                          interests[TagInterest.declared.value], interests[TagInterest.subscribed.value])
