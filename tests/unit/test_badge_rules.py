"""The pure badge table: codes, classes, predicates, streaks and what is left to award."""
from datetime import date, datetime, timedelta

import pytest

from app.points import badges
from app.points.badges import Facts

D = date(2026, 3, 2)


def test_the_table_is_complete_and_stable():
    assert set(badges.BADGES) == {"first_answer", "first_accepted", "tag_accepted_10", "helpful_100",
                                  "fast_routed", "streak_5"}
    for code, badge in badges.BADGES.items():
        assert badge.code == code and len(code) <= 32
        assert badge.klass in badges.CLASSES
        assert str(badge.name) and str(badge.description)
        assert set(badge.needs) <= set(Facts.__dataclass_fields__)
    assert [b.code for b in badges.BADGES.values() if b.is_tag_badge] == ["tag_accepted_10"]
    # Every badge can be earned through at least one event's receiver.
    by_event = {b.code for group in (badges.ON_QUESTION_ASKED, badges.ON_ANSWER_POSTED,
                                     badges.ON_ANSWER_ACCEPTED, badges.ON_HELPFUL_FEEDBACK) for b in group}
    assert by_event == set(badges.BADGES)


def test_by_class_puts_gold_first_and_keeps_table_order():
    groups = badges.by_class()
    assert [k for k, _ in groups] == ["gold", "silver", "bronze"]
    assert [b.code for b in dict(groups)["bronze"]] == ["first_answer", "first_accepted"]
    assert badges.by_class([badges.FIRST_ANSWER]) == [("bronze", [badges.FIRST_ANSWER])]


@pytest.mark.parametrize("facts, earned", [
    (Facts(), set()),
    (Facts(answers=1), {"first_answer"}),
    (Facts(accepted=1), {"first_accepted"}),
    (Facts(helpful_votes=99), set()),
    (Facts(helpful_votes=100), {"helpful_100"}),
    (Facts(routed_answer_delays=(timedelta(hours=2),)), set()),
    (Facts(routed_answer_delays=(timedelta(hours=2), timedelta(minutes=60))), {"fast_routed"}),
    (Facts(active_days=frozenset(D + timedelta(days=i) for i in range(4))), set()),
    (Facts(active_days=frozenset(D + timedelta(days=i) for i in range(5))), {"streak_5"}),
])
def test_predicates(facts, earned):
    got = {b.code for b in badges.BADGES.values() if not b.is_tag_badge and b.earned(facts)}
    assert got == earned


def test_tag_badge_answers_each_qualifying_tag():
    facts = Facts(accepted_by_tag={1: 10, 2: 9, 3: 25})
    assert badges.TAG_EXPERT.earned(facts) == {1, 3}
    assert badges.FIRST_ANSWER.earned(Facts(answers=3)) == {None}


def test_longest_streak_counts_consecutive_days_only():
    assert badges.longest_streak([]) == 0
    assert badges.longest_streak([D, D, D]) == 1
    days = [D, D + timedelta(days=1), D + timedelta(days=2), D + timedelta(days=4), D + timedelta(days=5)]
    assert badges.longest_streak(days) == 3
    # Across a month and a year boundary.
    assert badges.longest_streak([date(2026, 12, 30) + timedelta(days=i) for i in range(5)]) == 5
    assert badges.utc_date(datetime(2026, 3, 2, 23, 59)) == D


def test_to_award_skips_what_is_held_and_is_ordered():
    facts = Facts(answers=2, accepted_by_tag={5: 10, 2: 11})
    pending = [badges.FIRST_ANSWER, badges.TAG_EXPERT, badges.FIRST_ACCEPTED]
    assert [(b.code, t) for b, t in badges.to_award(pending, facts, set())] == [
        ("first_answer", None), ("tag_accepted_10", 2), ("tag_accepted_10", 5)]
    held = {("first_answer", None), ("tag_accepted_10", 2)}
    assert [(b.code, t) for b, t in badges.to_award(pending, facts, held)] == [("tag_accepted_10", 5)]


def test_needed_names_only_the_facts_read():
    assert badges.needed([badges.FIRST_ANSWER, badges.STREAK]) == {"answers", "active_days"}
    assert badges.needed([]) == frozenset()
