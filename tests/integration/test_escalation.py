"""Escalation of routed questions nobody answers: the next candidates after N minutes, the
moderators of the team (or the site) after M, per tag and per team; each step once, recorded,
and shown in the routing panel."""
from __future__ import annotations

from datetime import timedelta

import factories
import pytest
from factories import answer, ask, sign_in
from live_support import notes
from sqlalchemy import select

from app.db import utcnow
from app.experts import escalation
from app.experts.escalation import EscalationStep, EscalationWatch
from app.experts.models import RoutingDecision
from app.extensions import db


@pytest.fixture
def crew(app, make_user):
    """Three proven experts in 'cards' (one is asked at first), a moderator, and an asker."""
    app.config.update(EXPERTS_NOTIFY=1, ESCALATION_NEXT_MINUTES=30, ESCALATION_MODERATORS_MINUTES=120,
                      ESCALATION_POLICIES={})
    teacher = make_user("staff")
    experts = [make_user("expert") for _ in range(3)]
    for n, expert in enumerate(experts):
        factories.history(expert, teacher, n=3 - n)
    return {"experts": experts, "moderator": make_user("moderator"), "asker": make_user("staff")}


def decision_of(question) -> RoutingDecision:
    db.session.expire_all()
    return db.session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))


def asked(question) -> list[int]:
    return [c.user_id for c in decision_of(question).candidates if c.notified_at is not None]


def sweep(minutes: float) -> int:
    ran = escalation.sweep(db.session, now=utcnow() + timedelta(minutes=minutes))
    db.session.commit()
    return ran


def test_next_candidates_then_moderators_each_step_once(app, crew):
    question = ask(crew["asker"])
    first = asked(question)
    assert len(first) == 1
    assert sweep(10) == 0  # not yet
    assert sweep(31) == 1
    second = asked(question)
    assert len(second) == 2 and first[0] in second
    newcomer = next(uid for uid in second if uid not in first)
    note = [n for n in notes(db.session.get(type(crew["asker"]), newcomer), "routed")][-1]
    assert note.payload.get("escalated") is True
    assert sweep(31) == 0 and sweep(60) == 0  # step 1 ran once
    assert sweep(121) == 1
    told = notes(crew["moderator"], "escalated")
    assert [n.question_id for n in told] == [question.id] and told[0].payload["minutes"] == 120
    assert sweep(500) == 0  # nothing left to escalate
    steps = db.session.scalars(select(EscalationStep).order_by(EscalationStep.step)).all()
    assert [(s.step, s.notified) for s in steps] == [(1, [newcomer]), (2, [crew["moderator"].id])]


def test_an_answer_stops_it_and_settles_the_escalation(app, crew):
    question = ask(crew["asker"])
    sweep(121)  # both due: step 1 now, step 2 at the next sweep
    sweep(121)
    assert notes(crew["moderator"], "escalated")
    answer(question, crew["experts"][2])
    assert db.session.get(EscalationWatch, decision_of(question).id) is None
    assert all(n.resolved_at is not None for n in notes(crew["moderator"], "escalated"))
    other = ask(crew["asker"])
    answer(other, crew["experts"][1])
    assert sweep(500) == 0


def test_team_questions_go_to_the_teams_moderators(app, make_user, crew):
    team_admin = make_user("staff", teams=("loans",))
    from app.accounts.models import TeamMembership
    db.session.scalar(select(TeamMembership).where(TeamMembership.user_id == team_admin.id)).is_team_admin = True
    db.session.commit()
    asker = make_user("staff", teams=("loans",))
    question = ask(asker, visibility="team", team="loans")
    sweep(31)
    sweep(121)
    assert [n.question_id for n in notes(team_admin, "escalated")] == [question.id]
    assert notes(crew["moderator"], "escalated") == []  # the team has its own


def test_policies_per_tag_and_team_the_most_urgent_wins(app, crew, make_user):
    app.config["ESCALATION_POLICIES"] = {"tags": {"urgent": {"next": 5, "moderators": 15}},
                                         "teams": {"loans": {"moderators": 10}}}
    factories.make_team("loans")
    question = ask(crew["asker"], tags=("cards", "urgent"))
    watch = db.session.get(EscalationWatch, decision_of(question).id)
    assert (watch.next_after, watch.moderators_after) == (5, 15)
    assert sweep(6) == 1
    loans = ask(make_user("staff", teams=("loans",)), tags=("cards", "urgent"), visibility="team", team="loans")
    watch = db.session.get(EscalationWatch, decision_of(loans).id)
    assert (watch.next_after, watch.moderators_after) == (5, 10)
    plain = ask(crew["asker"])
    watch = db.session.get(EscalationWatch, decision_of(plain).id)
    assert (watch.next_after, watch.moderators_after) == (30, 120)


def test_two_schedulers_run_a_step_once(app, crew):
    """The claim is a conditional update: a sweep that read the watch before another sweep ran
    the step finds nothing to update; and the step's unique key refuses a second record."""
    question = ask(crew["asker"])
    row = db.session.get(EscalationWatch, decision_of(question).id)
    assert escalation.claim(db.session, row, 1) is True
    assert escalation.claim(db.session, row, 1) is False  # what a second scheduler meets
    db.session.rollback()
    # A second scheduler whose claim passed (a stale read) still meets the unique key.
    db.session.add(EscalationStep(decision_id=row.decision_id, step=1, notified=[]))
    db.session.commit()
    before = len(asked(question))
    assert sweep(31) == 0
    assert len(asked(question)) == before


def test_the_routing_panel_shows_the_steps(app, client, crew):
    question = ask(crew["asker"])
    sign_in(client, crew["moderator"])
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "If nobody answers by" in page and "next candidates are asked" in page
    sweep(31)
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "still unanswered, asked the next candidates" in page and "the moderators are told" in page
