"""Helpers shared by the knowledge-base tests (no tests here): a cast of users in every role,
questions of every visibility with accepted answers, and articles made through the services.

    from test_kb_helpers import kb, publish_article, signals_seen
"""
from __future__ import annotations

import contextlib
import itertools
from types import SimpleNamespace

import pytest

from app.accounts import services as accounts
from app.extensions import db
from app.forum import services as forum
from app.kb import services as kb_services
from app.kb.services import Changes

_n = itertools.count(1)


def make_people():
    """customer, staff (no team), member and owner (cards; owner is a team admin), loans
    (another team's staff), expert, moderator, admin; committed."""
    for slug in ("cards", "loans"):
        accounts.create_team(db.session, slug)
    user = lambda name, role, teams=(): accounts.create_user(db.session, name, None, role=role,  # noqa: E731
                                                               teams=list(teams))
    people = SimpleNamespace(customer=user("customer", "customer"), staff=user("staff", "staff"),
                             member=user("member", "staff", ["cards"]), loans=user("loaner", "staff", ["loans"]),
                             expert=user("expert", "expert", ["cards"]), moderator=user("moderator", "moderator"),
                             admin=user("admin", "admin"), asker=user("asker", "staff", ["cards"]))
    db.session.flush()
    for m in people.member.memberships:
        m.is_team_admin = True  # the cards team's admin: owner of team-owned articles
    db.session.commit()
    # Staff fix others' articles with the forum's edit privilege, and experts promote accepted
    # answers when the setting lets them, both earned by points (app/points/privileges.py):
    # these people have the standing for it.
    from factories import grant_points

    for person in (people.staff, people.member, people.loans, people.expert):
        grant_points(person, 2000)
    return people


def thread(people, title: str, visibility: str = "public", team: str | None = None, *, body: str | None = None,
           answer: str | None = None, accept: bool = True, tags=("cards",), asker=None, answerer=None):
    """A question by the asker with an answer by the expert (accepted unless told otherwise)."""
    n = next(_n)
    asker, answerer = asker or people.asker, answerer or people.expert
    question = forum.ask_question(db.session, title=title, body=body or f"The customer asks about case {n} today.",
                                  tags=list(tags), visibility=visibility, team=team, by=asker)
    reply = forum.post_answer(db.session, question, body=answer or f"Verify the caller, then follow step {n}.",
                              by=answerer)
    if accept:
        forum.accept_answer(db.session, reply, by=asker)
    db.session.commit()
    return question, reply


def category(name: str, by, **values):
    made = kb_services.create_category(db.session, {"name": name, **values}, by=by)
    db.session.commit()
    return made


def publish_article(people, title: str, visibility: str = "public", team: str | None = None, *, categories=(),
                    by=None, **thread_kwargs):
    """An accepted answer promoted, placed in ``categories`` (made when not given) and published."""
    by = by or people.moderator
    _, reply = thread(people, title, visibility, team, **thread_kwargs)
    article = kb_services.promote_answers(db.session, reply, by=by)
    cats = list(categories) or [category(f"Category {next(_n)}", people.moderator).id]
    kb_services.save_article(db.session, article, Changes(categories=cats), by=by)
    kb_services.publish(db.session, article, by=by)
    db.session.commit()
    return article


@contextlib.contextmanager
def signals_seen(*signals):
    """Record the calls of blinker signals: {signal name: [(sender, kwargs)]}."""
    seen: dict = {s.name: [] for s in signals}
    receivers = []
    for s in signals:
        def receive(sender, _name=s.name, **kwargs):
            seen[_name].append((sender, kwargs))
        receivers.append((s, receive))
        s.connect(receive, weak=False)
    try:
        yield seen
    finally:
        for s, receive in receivers:
            s.disconnect(receive)


@pytest.fixture
def kb(db):
    return make_people()
