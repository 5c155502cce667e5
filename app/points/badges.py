"""The badge table: pure, like ``app.points.rules`` (no Flask app, no database).

Each badge is a stable ``code`` (stored in ``BadgeAward.badge``: never rename one), a lazily
translated name and description, a class (bronze, silver, gold) and a predicate over a
:class:`Facts` value. The awarding service (``app.points.badge_awards``) loads only the facts
the candidate badges ``need`` and inserts what :meth:`Badge.earned` answers, so every rule is
unit-tested here on plain values.

A *tag badge* is earned once per tag: ``earned`` answers the tag ids that qualify. Any other
badge answers ``{None}`` (earned) or the empty set.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

BRONZE, SILVER, GOLD = "bronze", "silver", "gold"
CLASSES = (GOLD, SILVER, BRONZE)  # display order: the rarest first
CLASS_LABELS = {GOLD: _l("Gold"), SILVER: _l("Silver"), BRONZE: _l("Bronze")}

#: Accepted answers in one tag for the tag badge.
TAG_ACCEPTED_THRESHOLD = 10
#: "Was this helpful? Yes" votes on articles a user is credited on.
HELPFUL_VOTES_THRESHOLD = 100
#: How soon after being routed (notified) an answer earns the fast-responder badge.
ROUTED_ANSWER_WITHIN = timedelta(hours=1)
#: Consecutive UTC days with a question or an answer.
STREAK_DAYS = 5


@dataclass(frozen=True)
class Facts:
    """What the predicates read about one user. A loader fills only the fields the
    candidate badges ``need``; the others keep their empty defaults.

    ``answers``: live answers posted. ``accepted``: live answers accepted on someone else's
    question (a self-accepted answer earns nothing, as in the points rules).
    ``accepted_by_tag``: the same, per tag id of the question. ``helpful_votes``: helpful
    feedback on articles the user is credited on. ``routed_answer_delays``: for each routed
    question the user answered, the time from being notified to their first answer.
    ``active_days``: UTC days with a live question or answer of theirs.
    """
    answers: int = 0
    accepted: int = 0
    accepted_by_tag: dict[int, int] = field(default_factory=dict)
    helpful_votes: int = 0
    routed_answer_delays: tuple[timedelta, ...] = ()
    active_days: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Badge:
    code: str            # stored in BadgeAward.badge (short, stable: never rename)
    name: object         # lazy translated text
    description: object  # lazy translated text
    klass: str           # BRONZE | SILVER | GOLD
    is_tag_badge: bool
    needs: tuple[str, ...]   # the Facts fields the predicate reads
    predicate: Callable[[Facts], object]

    def earned(self, facts: Facts) -> frozenset[int | None]:
        """The award keys this user qualifies for: tag ids for a tag badge, else ``{None}``."""
        if self.is_tag_badge:
            return frozenset(self.predicate(facts))
        return frozenset({None}) if self.predicate(facts) else frozenset()


def longest_streak(days: Iterable[date]) -> int:
    """The longest run of consecutive calendar days in ``days`` (duplicates ignored)."""
    ordered = sorted(set(days))
    best = run = 0
    previous: date | None = None
    for day in ordered:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    return best


def utc_date(moment: datetime) -> date:
    """The UTC day of a stored (naive UTC) timestamp."""
    return moment.date()


def _tags_over(threshold: int) -> Callable[[Facts], set[int]]:
    return lambda f: {tag for tag, n in f.accepted_by_tag.items() if n >= threshold}


FIRST_ANSWER = Badge(
    "first_answer", _l("First answer"), _l("Posted a first answer."), BRONZE, False,
    ("answers",), lambda f: f.answers >= 1)
FIRST_ACCEPTED = Badge(
    "first_accepted", _l("Problem solved"), _l("Had a first answer accepted on someone else's question."),
    BRONZE, False, ("accepted",), lambda f: f.accepted >= 1)
FAST_ROUTED = Badge(
    "fast_routed", _l("First responder"), _l("Answered a question routed to them within an hour."),
    SILVER, False, ("routed_answer_delays",),
    lambda f: any(d <= ROUTED_ANSWER_WITHIN for d in f.routed_answer_delays))
STREAK = Badge(
    "streak_5", _l("Five days in a row"), _l("Asked or answered on five consecutive days (UTC)."),
    SILVER, False, ("active_days",), lambda f: longest_streak(f.active_days) >= STREAK_DAYS)
TAG_EXPERT = Badge(
    "tag_accepted_10", _l("Tag expert"), _l("Had ten answers accepted in one tag."), GOLD, True,
    ("accepted_by_tag",), _tags_over(TAG_ACCEPTED_THRESHOLD))
HELPFUL_AUTHOR = Badge(
    "helpful_100", _l("Helpful author"),
    _l("Readers marked articles they are credited on as helpful a hundred times."), GOLD, False,
    ("helpful_votes",), lambda f: f.helpful_votes >= HELPFUL_VOTES_THRESHOLD)

BADGES: dict[str, Badge] = {b.code: b for b in (
    FIRST_ANSWER, FIRST_ACCEPTED, FAST_ROUTED, STREAK, TAG_EXPERT, HELPFUL_AUTHOR)}

# Which badges an event may newly earn, so a receiver evaluates (and loads facts for) only those.
ON_QUESTION_ASKED = (STREAK,)
ON_ANSWER_POSTED = (FIRST_ANSWER, FAST_ROUTED, STREAK)
ON_ANSWER_ACCEPTED = (FIRST_ACCEPTED, TAG_EXPERT)
ON_HELPFUL_FEEDBACK = (HELPFUL_AUTHOR,)


def get(code: str) -> Badge | None:
    return BADGES.get(code)


def by_class(badges: Iterable[Badge] | None = None) -> list[tuple[str, list[Badge]]]:
    """``[(class, [badges])]`` gold first, each in table order; empty classes left out."""
    pool = list(BADGES.values() if badges is None else badges)
    return [(k, [b for b in pool if b.klass == k]) for k in CLASSES if any(b.klass == k for b in pool)]


def needed(badges: Iterable[Badge]) -> frozenset[str]:
    """The Facts fields a set of badges reads."""
    return frozenset(name for b in badges for name in b.needs)


def to_award(badges: Iterable[Badge], facts: Facts,
             held: set[tuple[str, int | None]]) -> list[tuple[Badge, int | None]]:
    """The ``(badge, tag_id)`` pairs earned and not yet ``held`` (as ``(code, tag_id)``),
    in a stable order (badge table order, then tag id)."""
    out = []
    for badge in badges:
        keys = sorted(badge.earned(facts), key=lambda k: -1 if k is None else k)
        out += [(badge, key) for key in keys if (badge.code, key) not in held]
    return out
