"""The kinds of notification: what each says, how often it is sent by default, and its rules.

Kinds are open: a domain registers its own (``register``) from its ``connect()``; a kind nobody
registered still shows, generically ("News about ..."). Sentences are built in the reader's
language when shown (list, API, socket, digest), from the payload's codes and parameters and
the subject as the reader may see it then.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

FREQUENCIES = ("instant", "daily", "weekly", "off")


@dataclass(frozen=True)
class Kind:
    code: str
    label: object                       # lazy string: the settings page's name for it
    sentence: Callable[[dict, dict], str]  # (payload, names) -> text in the current locale
    default: str = "instant"
    # Work someone must act on (routed, escalated): it can be mailed or shown, never switched
    # off; a person who cannot take questions sets themselves away instead.
    mandatory: bool = False
    # Waiting for an action on its question: resolved once the question no longer waits
    # (answered, closed, deleted) or the person acted (answered, declined).
    settles: bool = False
    # Sent about a question that is already solved. Only the event that solves it is.
    on_solved: bool = False
    choices: tuple[str, ...] = field(default=FREQUENCIES)


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _kinds[kind.code] = kind


def get(code: str) -> Kind:
    return _kinds.get(code) or Kind(code, code, _generic)


def all_kinds() -> list[Kind]:
    return list(_kinds.values())


def _generic(payload: dict, n: dict) -> str:
    return _("News about %(subject)s", subject=n["subject"])


def _routed(payload: dict, n: dict) -> str:
    if payload.get("escalated"):
        return _("Nobody has answered %(subject)s yet: you were asked to help", subject=n["subject"])
    return _("You were asked to answer %(subject)s", subject=n["subject"])


def _escalated(payload: dict, n: dict) -> str:
    return _("%(subject)s has waited %(minutes)s minutes without an answer", subject=n["subject"],
             minutes=payload.get("minutes", "?"))


def _followed(payload: dict, n: dict) -> str:
    event = payload.get("event")
    if event == "answer":
        return _("%(actor)s answered %(subject)s, which you follow", actor=n["actor"], subject=n["subject"])
    if event == "comment":
        return _("%(actor)s commented on %(subject)s, which you follow", actor=n["actor"], subject=n["subject"])
    if event == "accepted":
        return _("%(subject)s, which you follow, has an accepted answer", subject=n["subject"])
    if event == "closed":
        return _("%(subject)s, which you follow, was closed", subject=n["subject"])
    return _("News about %(subject)s, which you follow", subject=n["subject"])


def _user_post(payload: dict, n: dict) -> str:
    if payload.get("event") == "answer":
        return _("%(actor)s, whom you follow, answered %(subject)s", actor=n["actor"], subject=n["subject"])
    return _("%(actor)s, whom you follow, asked %(subject)s", actor=n["actor"], subject=n["subject"])


def _badge(payload: dict, n: dict) -> str:
    # The points domain resolves the award to the badge's name in the reader's language.
    name = n.get("subject") or payload.get("badge") or "?"
    if payload.get("tag"):
        return _("You earned the badge %(badge)s in %(tag)s", badge=name, tag=payload["tag"])
    return _("You earned the badge %(badge)s", badge=name)


def _points(payload: dict, n: dict) -> str:
    return _("You earned %(points)s points for %(subject)s", points=payload.get("points", "?"), subject=n["subject"])


BUILTIN = (
    Kind("routed", _l("Questions routed to you"), _routed, mandatory=True, settles=True),
    Kind("escalated", _l("Escalations of unanswered questions"), _escalated, mandatory=True, settles=True),
    Kind("answer", _l("Answers to your questions"),
         lambda p, n: _("%(actor)s answered your question %(subject)s", actor=n["actor"], subject=n["subject"])),
    Kind("comment", _l("Comments on your posts"),
         lambda p, n: _("%(actor)s commented on your post in %(subject)s", actor=n["actor"], subject=n["subject"])),
    Kind("accepted", _l("Your answer accepted"),
         lambda p, n: _("%(actor)s accepted your answer to %(subject)s", actor=n["actor"], subject=n["subject"]),
         on_solved=True),
    Kind("mention", _l("Mentions of you"),
         lambda p, n: _("%(actor)s mentioned you in %(subject)s", actor=n["actor"], subject=n["subject"])),
    Kind("followed", _l("Activity on questions you follow"), _followed),
    Kind("tag_question", _l("New questions in tags you follow"),
         lambda p, n: _("%(actor)s asked %(subject)s in %(tag)s", actor=n["actor"], subject=n["subject"],
                        tag=p.get("tag", "")), default="daily"),
    Kind("user_post", _l("Posts by people you follow"), _user_post, default="daily"),
    # Kept open for the points domain: it sends badge_awarded (received here) and may notify
    # "points" itself; neither is about a question's state.
    Kind("badge", _l("Badges you earn"), _badge, on_solved=True),
    Kind("points", _l("Points you earn"), _points, on_solved=True, default="weekly"),
)


def register_builtin() -> None:
    for kind in BUILTIN:
        register(kind)
