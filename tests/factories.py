"""Shared test factories: forum content made through the real services, committed as a
request would (so signals, points, routing and indexing run as they do in production).

Import them in any test: ``from factories import ask, answer, accept, comment, vote, make_team,
sign_in, sign_out``. Users come from the ``make_user`` fixture (tests/conftest.py)."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import Team
from app.extensions import db
from app.forum import services

_n = itertools.count(1)


def ask(user, title: str | None = None, body: str | None = None, tags=("cards",), **kwargs):
    """A committed question by ``user`` (``visibility=``, ``team=`` pass through)."""
    n = next(_n)
    question = services.ask_question(db.session, title=title or f"How do I handle case number {n}?",
                                     body=body or f"The customer in case {n} needs help with this.",
                                     tags=list(tags), by=user, **kwargs)
    db.session.commit()
    return question


def answer(question, user, body: str | None = None, accept: bool = False):
    """A committed answer; ``accept=True`` also has the asker accept it."""
    posted = services.post_answer(db.session, question, by=user,
                                  body=body or f"Answer {next(_n)}: verify the customer first, then act.")
    db.session.commit()
    if accept:
        services.accept_answer(db.session, posted, by=question.author)
        db.session.commit()
    return posted


def history(expert, asker, tags=("cards",), n: int = 3, text: str = "", accept: bool = True, **kwargs):
    """``expert`` answers ``n`` of ``asker``'s questions in ``tags`` (accepted by default): the
    evidence routing learns from."""
    for _ in range(n):
        answer(ask(asker, tags=tags, **kwargs), expert, body=text or None, accept=accept)


def accept(answer_, by=None):
    question = services.accept_answer(db.session, answer_, by=by or answer_.question.author)
    db.session.commit()
    return question


def comment(post, user, body: str | None = None):
    made = services.post_comment(db.session, post, body=body or f"A comment number {next(_n)}.", by=user)
    db.session.commit()
    return made


def vote(post, user, value: int = 1):
    result = services.set_vote(db.session, post, value, by=user)
    db.session.commit()
    return result


def make_team(slug: str, name: str | None = None) -> Team:
    """The team with ``slug``, created (committed) if missing."""
    team = db.session.scalar(select(Team).where(Team.slug == slug))
    if team is None:
        team = accounts.create_team(db.session, name or slug, slug=slug)
        db.session.commit()
    return team


def sign_in(client, user) -> None:
    """Log ``user`` in through the session cookie (no password hashing, no login rate limit)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_session_identity()  # what login_user stores (app.accounts.auth)
        session["_fresh"] = True


def sign_out(client) -> None:
    with client.session_transaction() as session:
        session.pop("_user_id", None)


def grant_points(user, amount: int):
    """Give ``user`` standing (privileges are earned by points, app/points/privileges.py): one
    ledger entry of ``amount`` with its cached total, so ``points verify`` still passes."""
    from sqlalchemy import update

    from app.accounts.models import User
    from app.points.models import PointsEntry

    n = next(_n)
    db.session.add(PointsEntry(user_id=user.id, amount=amount, reason="test_grant",
                               idempotency_key=f"test_grant:{user.id}:{n}/g1", key_stem=f"test_grant:{user.id}:{n}"))
    db.session.execute(update(User).where(User.id == user.id).values(points=User.points + amount))
    db.session.commit()
    db.session.refresh(user, ["points"])
    return user
