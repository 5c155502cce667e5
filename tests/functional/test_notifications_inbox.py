"""The inbox (moved from the experts' pages), who routing may pick, and the demo's first inbox."""
from __future__ import annotations

import factories
import pytest
from factories import answer, ask, sign_in
from live_support import notes
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import User
from app.demo import seed_demo
from app.errors import Invalid
from app.experts import routing
from app.extensions import db


@pytest.fixture
def proven(app, make_user):
    """Experts with evidence in 'cards', each a different way of (not) being able to act."""
    app.config["EXPERTS_NOTIFY"] = 10
    teacher = make_user("staff")
    people = {"ok": make_user("expert"), "deactivated": make_user("expert"), "customer": make_user("customer")}
    people["imported"] = accounts.create_user(db.session, "imported.author", None, role="expert")
    people["token_only"] = accounts.create_user(db.session, "token.only", None, role="expert")
    accounts.create_token(db.session, people["token_only"], "script")
    people["revoked"] = accounts.create_user(db.session, "revoked.token", None, role="expert")
    token, _ = accounts.create_token(db.session, people["revoked"], "old")
    accounts.revoke_token(db.session, token.id, by=people["revoked"])
    db.session.commit()
    for person in people.values():
        factories.history(person, teacher, n=2)
    people["deactivated"].is_active_account = False
    db.session.commit()
    return people


def test_routing_picks_only_people_who_can_act(app, make_user, proven):
    question = ask(make_user("staff"))
    ranked = {s.user_id for s in routing.rank_question(db.session, question)}
    assert proven["ok"].id in ranked and proven["token_only"].id in ranked
    for who in ("deactivated", "customer", "imported", "revoked"):
        assert proven[who].id not in ranked, who
    answer(question, proven["ok"], body="An answer first, then the ranking again.")
    assert proven["ok"].id not in {s.user_id for s in routing.rank_question(db.session, question)}
    moderator = make_user("moderator")
    with pytest.raises(Invalid):
        routing.assign_by_hand(db.session, question, proven["ok"], by=moderator)  # already answered it
    db.session.rollback()
    with pytest.raises(Invalid):
        routing.assign_by_hand(db.session, question, db.session.get(User, proven["imported"].id), by=moderator)


def test_inbox_lists_what_waits_and_escalations_for_moderators(app, client, make_user, proven):
    from datetime import timedelta

    from app.db import utcnow
    from app.experts import escalation

    app.config.update(EXPERTS_NOTIFY=1, ESCALATION_NEXT_MINUTES=0, ESCALATION_MODERATORS_MINUTES=5)
    moderator = make_user("moderator")
    question = ask(make_user("staff"), title="Waiting: the customer card is blocked abroad")
    escalation.sweep(db.session, now=utcnow() + timedelta(minutes=6))
    db.session.commit()
    sign_in(client, moderator)
    page = client.get("/notifications").get_data(as_text=True)
    waiting = page[page.index('id="routed-title"'):page.index('id="all-notes-title"')]
    assert question.title in waiting and "Open the routing" in waiting and "5 minutes" in waiting
    from app.notifications.models import Notification
    asked = db.session.scalar(select(Notification.user_id).where(Notification.kind == "routed",
                                                                 Notification.question_id == question.id))
    assert asked is not None
    sign_in(client, db.session.get(User, asked))
    page = client.get("/notifications").get_data(as_text=True)
    waiting = page[page.index('id="routed-title"'):page.index('id="all-notes-title"')]
    assert question.title in waiting and f'action="/questions/{question.id}/routing/decline"' in waiting
    answer(question, make_user("expert"))
    page = client.get("/notifications").get_data(as_text=True)
    assert question.title not in page[page.index('id="routed-title"'):page.index('id="all-notes-title"')]


def test_the_demo_starts_with_a_sensible_inbox(app):
    assert seed_demo(db.session, "admin-pass-123")
    db.session.commit()
    people = {u.username: u for u in db.session.scalars(select(User))}
    from app.forum.models import Answer
    for username in ("wang.wei", "chen.jing", "priya.k", "li.na"):
        answered = set(db.session.scalars(select(Answer.question_id).where(Answer.author_id == people[username].id)))
        open_routes = [n for n in notes(people[username], "routed") if n.resolved_at is None]
        assert not [n for n in open_routes if n.question_id in answered], username  # never "answer what you answered"
    assert {n.kind for n in notes(people["li.na"])} >= {"answer"}          # askers heard of answers
    assert {n.kind for n in notes(people["wang.wei"])} >= {"accepted"}     # answerers of acceptances
    assert [n.kind for n in notes(people["chen.jing"], "mention")] == ["mention"]
    open_questions = {n.question_id for u in people.values() for n in notes(u, "routed") if n.resolved_at is None}
    assert len(open_questions) == 1  # only the unanswered question waits for an expert
    assert notes(people["zhou.customer"], "routed") == []                  # customers are never asked
