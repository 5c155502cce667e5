"""Page slots: named places on a page where other domains add panels.

The forum imports no other domain, yet its pages show the experts' routing panel, the
knowledge base's "this answer became an article", the notification bell. A domain registers
a *provider* for a slot in its ``connect()``; the page's view collects the slot before it
renders (:func:`fill`, :func:`fill_each`), and the template only prints what it got. So a
template never runs a query and never calls into another domain.

Slots in use (the page that fills them, the context it passes):

* ``header`` (every HTML page, ``app.web``): ``viewer``.
* ``question.aside`` (the question page): ``page`` (``forum.queries.QuestionPage``),
  ``viewer``, ``forms`` (a failed form of the panel's own, by name, to show again).
* ``question.answer`` (each answer of the question page, keyed by answer id): ``page``,
  ``viewer``.
* ``question.row`` (each question of a question list, keyed by question id): ``viewer``.
* ``question.answer_form`` (under "Your answer", for a logged-in viewer of an open question):
  ``page``, ``viewer``, ``forms``.
* ``notifications.waiting`` (the inbox's "Waiting for you", keyed by question id): ``notes``
  (question id -> its unresolved routed notification), ``viewer``, ``forms`` (a rejected decline
  form).
* ``user.facts`` (the facts list of the user page, ``<div><dt>..</dt><dd>..</dd></div>`` items)
  and ``user.sections`` (the user page): ``profile`` (``forum.viewmodels.UserProfile``), ``viewer``.

A provider returns Markup (or None/"" for nothing); a keyed provider returns
``{key: Markup}``. Providers run in registration order, then by ``order``.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class _Provider:
    fn: Callable
    order: int


_providers: dict[str, list[_Provider]] = {}


def provide(slot: str, fn: Callable, *, order: int = 50) -> None:
    """Register ``fn(**context)`` for ``slot`` (idempotent: a function is registered once)."""
    entries = _providers.setdefault(slot, [])
    if any(p.fn is fn for p in entries):
        return
    entries.append(_Provider(fn, order))
    entries.sort(key=lambda p: p.order)


def withdraw(slot: str, fn: Callable) -> None:
    """Remove a provider (tests that need a page without a domain's panel)."""
    _providers[slot] = [p for p in _providers.get(slot, []) if p.fn is not fn]


def fill(slot: str, **context) -> list[Markup]:
    """The panels of ``slot`` for this page, in order; empty ones left out."""
    out = []
    for provider in _providers.get(slot, ()):
        panel = provider.fn(**context)
        if panel:
            out.append(Markup(panel))
    return out


def fill_each(slot: str, keys: Iterable[Hashable], **context) -> dict[Hashable, list[Markup]]:
    """The panels of a keyed slot (one per item of a list, e.g. each answer): ``{key: [panels]}``.

    Each provider is called once with ``keys`` and returns ``{key: Markup}``, so it can load
    what it needs for every item in one query."""
    keys = list(keys)
    out: dict[Hashable, list[Markup]] = {key: [] for key in keys}
    if not keys:
        return out
    for provider in _providers.get(slot, ()):
        for key, panel in (provider.fn(keys=keys, **context) or {}).items():
            if panel and key in out:
                out[key].append(Markup(panel))
    return out
