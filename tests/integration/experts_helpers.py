"""Building small forum histories for the routing tests (services + commit, as a request does)."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from app.experts.models import RoutingDecision
import factories

from app.extensions import db

_n = itertools.count(1)


def ask(user, title: str | None = None, tags=("cards",), visibility: str = "public", team=None, body: str = ""):
    """Ask and commit (routing runs after the commit, inline in tests); returns the question."""
    n = next(_n)
    return factories.ask(user, title=title or f"Question number {n} about things",
                         body=body or f"Body of question {n}, long enough.", tags=tags, visibility=visibility,
                         team=team)


def answer(question, user, body: str = "", accept: bool = False):
    return factories.answer(question, user, body=body or f"An answer {next(_n)} with enough text.", accept=accept)


def history(expert, asker, tags=("cards",), n: int = 3, text: str = "", accept: bool = True, **kw):
    """``expert`` answers ``n`` of ``asker``'s questions in ``tags`` (accepted)."""
    for _ in range(n):
        answer(ask(asker, tags=tags, **kw), expert, body=text, accept=accept)


def decision(question) -> RoutingDecision | None:
    return db.session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))


def ranked_ids(question) -> list[int]:
    d = decision(question)
    return [c.user_id for c in d.candidates] if d else []


def notified_ids(question) -> list[int]:
    d = decision(question)
    return [c.user_id for c in d.candidates if c.notified_at is not None] if d else []
