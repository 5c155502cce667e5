"""Privileges earned by standing: a port that domains ask and the points domain answers.

The forum and the knowledge base refuse some actions to people who have not earned them yet
(voting down, commenting everywhere, editing others' posts, retagging, closing, promoting an
answer to an article, review queues). They must not import points (DESIGN.md: the forum
imports no other domain), so they ask here; ``app.points`` registers the checker that knows
the thresholds. Without a registered checker everything role-based still holds and nothing
points-based is refused.

A checker takes ``(user, action)`` and returns a :class:`Refusal` (why, and how many points
are missing) or None.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.errors import Forbidden

# The actions a checker may refuse (the points domain maps each to a threshold).
VOTE_DOWN = "vote_down"
COMMENT_EVERYWHERE = "comment_everywhere"
EDIT_OTHERS = "edit_others"
RETAG = "retag"
CLOSE_REOPEN = "close_reopen"
PROMOTE_ARTICLE = "promote_article"
REVIEW_QUEUES = "review_queues"
ACTIONS = (VOTE_DOWN, COMMENT_EVERYWHERE, EDIT_OTHERS, RETAG, CLOSE_REOPEN, PROMOTE_ARTICLE, REVIEW_QUEUES)


@dataclass(frozen=True)
class Refusal:
    action: str
    message: object            # translated (lazy) text: why, in the reader's language
    missing: int | None = None  # points still needed, when points decide


Checker = Callable[[object, str], Refusal | None]
_checkers: list[Checker] = []


def register(checker: Checker) -> None:
    if checker not in _checkers:
        _checkers.append(checker)


def refusal(user, action: str) -> Refusal | None:
    """Why ``user`` may not do ``action`` yet, or None when they may."""
    for checker in _checkers:
        found = checker(user, action)
        if found is not None:
            return found
    return None


def allowed(user, action: str) -> bool:
    return refusal(user, action) is None


class PrivilegeRequired(Forbidden):
    """A 403 for want of a privilege: pages show it next to the form, which keeps its text,
    instead of an error page (``errors["privilege"]`` carries the same message)."""

    def __init__(self, found: Refusal):
        super().__init__(found.message, errors={"privilege": found.message})
        self.refusal = found


def require(user, action: str) -> None:
    """Raise PrivilegeRequired (a Forbidden, 403) with the checker's message when ``user`` may
    not do ``action``."""
    found = refusal(user, action)
    if found is not None:
        raise PrivilegeRequired(found)
