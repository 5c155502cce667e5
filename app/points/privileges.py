"""Privileges earned by points: the checker behind the ``app.privileges`` port.

The forum and the knowledge base ask ``app.privileges`` whether someone may vote down, comment
on others' posts, edit them, retag, close/reopen, promote an answer or work a review queue;
this module answers from the user's points and the thresholds in
``app.config["POINTS_PRIVILEGES"]`` (defaults below and in config.py / README).

Moderators and admins already may do all of it by role, so they are never refused: a new
moderator with 0 points must still be able to close a question. The cached ``User.points``
decides (the ledger keeps it exact, ``flask points verify`` checks it), so a check costs no
query.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from app import privileges

# Stack Overflow's ladder, scaled down for a company forum where a few hundred agents earn
# points: commenting comes first, closing (one person's decision here) last.
DEFAULTS: dict[str, int] = {
    privileges.COMMENT_EVERYWHERE: 50,
    privileges.VOTE_DOWN: 125,
    privileges.RETAG: 500,
    privileges.REVIEW_QUEUES: 500,
    privileges.PROMOTE_ARTICLE: 1000,
    privileges.EDIT_OTHERS: 2000,
    privileges.CLOSE_REOPEN: 3000,
}

LABELS = {
    privileges.COMMENT_EVERYWHERE: _l("Comment everywhere"),
    privileges.VOTE_DOWN: _l("Vote down"),
    privileges.RETAG: _l("Retag others' questions"),
    privileges.REVIEW_QUEUES: _l("Work the review queues"),
    privileges.PROMOTE_ARTICLE: _l("Promote accepted answers to articles"),
    privileges.EDIT_OTHERS: _l("Edit others' posts"),
    privileges.CLOSE_REOPEN: _l("Close and reopen questions"),
}

DESCRIPTIONS = {
    privileges.COMMENT_EVERYWHERE: _l("Comment on any post. You can always comment on your own posts and on "
                                      "answers to your own questions."),
    privileges.VOTE_DOWN: _l("Vote down questions and answers that are wrong or unclear."),
    privileges.RETAG: _l("Change the tags of other people's questions."),
    privileges.REVIEW_QUEUES: _l("Help moderators in the review queues."),
    privileges.PROMOTE_ARTICLE: _l("Turn an accepted answer into a knowledge base article (staff)."),
    privileges.EDIT_OTHERS: _l("Edit other people's questions and answers; each edit is kept as a revision."),
    privileges.CLOSE_REOPEN: _l("Close questions that cannot be answered as asked, and reopen them."),
}


def thresholds() -> dict[str, int]:
    """Points needed per action: the defaults overridden by the configuration."""
    merged = dict(DEFAULTS)
    if has_app_context():
        for action, value in (current_app.config.get("POINTS_PRIVILEGES") or {}).items():
            if action in merged:
                merged[action] = max(0, int(value))
    return merged


def _real(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def check(user, action: str) -> privileges.Refusal | None:
    """The registered checker: a Refusal saying how many points are missing, or None."""
    need = thresholds().get(action)
    if need is None:
        return None  # not decided by points
    user = _real(user)
    if user is None:
        return privileges.Refusal(action, _l("Please log in first."), missing=need)
    if user.is_moderator:
        return None
    have = int(user.points or 0)
    if need == 0 or have >= need:
        return None  # 0 in the settings: no standing needed, even below zero after penalties
    return privileges.Refusal(action, _l(
        "%(privilege)s needs %(need)d points. You have %(have)d: %(missing)d more to go.",
        privilege=LABELS[action], need=need, have=have, missing=need - have), missing=need - have)


@dataclass(frozen=True)
class Standing:
    """One line of the privileges page."""
    action: str
    label: object
    description: object
    points: int
    granted: bool | None    # None for an anonymous viewer
    missing: int
    by_role: bool           # held as a moderator/admin, whatever the points


def standings(user) -> list[Standing]:
    """Every privilege with its threshold, lowest first, and what ``user`` holds of it."""
    user = _real(user)
    rows = []
    for action, need in sorted(thresholds().items(), key=lambda kv: (kv[1], kv[0])):
        if user is None:
            rows.append(Standing(action, LABELS[action], DESCRIPTIONS[action], need, None, need, False))
            continue
        missing = max(0, need - int(user.points or 0))
        by_role = bool(user.is_moderator)
        rows.append(Standing(action, LABELS[action], DESCRIPTIONS[action], need, by_role or missing == 0,
                             0 if by_role else missing, by_role))
    return rows


def register() -> None:
    privileges.register(check)
