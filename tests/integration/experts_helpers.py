"""Building small forum histories for the routing tests (services + commit, as a request does)."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from app.experts.models import RoutingDecision
from app.extensions import db
from app.forum import services

_n = itertools.count(1)


def ask(user, title: str | None = None, tags=("cards",), visibility: str = "public", team=None, body: str = ""):
    """Ask and commit (routing runs after the commit, inline in tests); returns the question."""
    n = next(_n)
    question = services.ask_question(db.session, title=title or f"Question number {n} about things",
                                     body=body or f"Body of question {n}, long enough.", tags=list(tags),
                                     by=user, visibility=visibility, team=team)
    db.session.commit()
    return question


def answer(question, user, body: str = "", accept: bool = False):
    a = services.post_answer(db.session, question, body=body or f"An answer {next(_n)} with enough text.", by=user)
    db.session.commit()
    if accept:
        services.accept_answer(db.session, a, by=question.author)
        db.session.commit()
    return a


def history(expert, asker, tags=("cards",), n: int = 3, text: str = "", accept: bool = True, **kw):
    """``expert`` answers ``n`` of ``asker``'s questions in ``tags`` (accepted)."""
    for _ in range(n):
        q = ask(asker, tags=tags, **kw)
        answer(q, expert, body=text, accept=accept)


def decision(question) -> RoutingDecision | None:
    return db.session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))


def ranked_ids(question) -> list[int]:
    d = decision(question)
    return [c.user_id for c in d.candidates] if d else []


def notified_ids(question) -> list[int]:
    d = decision(question)
    return [c.user_id for c in d.candidates if c.notified_at is not None] if d else []
