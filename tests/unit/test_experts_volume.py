"""The decayed answer counter behind the "who answers now" feature."""
from __future__ import annotations

from datetime import datetime, timedelta

from app.experts.index import DecayedCounter

T = datetime(2020, 1, 1)


def test_recent_answers_outweigh_old_ones_and_half_life_holds():
    c = DecayedCounter(half_life_days=30)
    c.add(1, user=10, at=T)
    c.add(2, user=10, at=T)
    c.add(3, user=20, at=T + timedelta(days=30))
    assert abs(c.normalised(10) - 1.0) < 1e-9 and abs(c.normalised(20) - 1.0) < 1e-9  # 2 x 1/2 == 1
    c.add(4, user=20, at=T + timedelta(days=31))
    assert c.normalised(20) == 1.0 and c.normalised(10) < 1.0
    assert c.top(1) == [20]


def test_remove_and_re_add_are_exact():
    c = DecayedCounter()
    c.add("a", user=1, at=T)
    c.add("b", user=2, at=T + timedelta(days=3))
    before = dict(c.values)
    c.add("c", user=1, at=T + timedelta(days=5))
    c.remove("c")
    assert all(abs(c.values[u] - v) < 1e-12 for u, v in before.items())
    c.add("b", user=2, at=T + timedelta(days=3))  # re-adding a key replaces it
    assert abs(c.values[2] - before[2]) < 1e-12
    c.remove("missing")


def test_far_future_rescales_instead_of_overflowing():
    c = DecayedCounter(half_life_days=1)
    c.add(1, user=1, at=T)
    c.add(2, user=2, at=T + timedelta(days=2000))
    assert c.normalised(2) == 1.0 and c.normalised(1) < 1e-300
    assert c.normalised(3) == 0.0


def test_leaders_kept_incrementally_match_a_full_sort():
    import random

    rng = random.Random(3)
    c = DecayedCounter(half_life_days=10)
    c.TOP_KEEP = 8
    for n in range(600):
        c.add(n, user=rng.randrange(40), at=T + timedelta(hours=rng.randrange(2000)))
        if n % 7 == 0:
            c.remove(rng.randrange(n + 1))
        if n % 13 == 0:
            expected = sorted(c.values, key=lambda u: (-c.values[u], u))[:5]
            got = c.top(5)
            assert [c.values[u] for u in got] == [c.values[u] for u in expected]
            assert c.normalised(expected[0]) == (1.0 if c.values[expected[0]] > 0 else 0.0)
