"""The pure expertise graph of app/experts/graph.py: weights, decay, incremental updates, ExpertiseRank."""
from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import networkx as nx
import numpy as np
import pytest

from app.experts.graph import Column, ExpertiseGraph, TagEvidence, top_hits

T0 = datetime(2024, 3, 1, 12, 0)


def weights(g: ExpertiseGraph, tag: str) -> dict[int, float]:
    return dict(g.top_experts(tag, limit=10_000))


def state(g: ExpertiseGraph) -> dict:
    """Everything a caller can read, for comparing two moments of a graph."""
    tags = sorted({t for u in range(100) for t in g.tags_of(u)})
    return {"tags": {t: weights(g, t) for t in tags}, "combined": g.tag_expertise(tags[:4], limit=10_000),
            "evidence": {u: g.evidence(u, limit=100) for u in range(100)},
            "counts": {u: g.answer_count(u) for u in range(100)}, "stats": g.stats}


def assert_close(a, b, tol=1e-9):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_close(a[k], b[k], tol)
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_close(x, y, tol)
    elif isinstance(a, TagEvidence):
        assert (a.tag, a.answers, a.accepted, a.score) == (b.tag, b.answers, b.accepted, b.score)
        assert math.isclose(a.weight, b.weight, rel_tol=tol)
    elif isinstance(a, float):
        assert math.isclose(a, b, rel_tol=tol, abs_tol=tol)
    else:
        assert a == b


def random_graph(seed: int, answers: int = 300, users: int = 40) -> tuple[ExpertiseGraph, random.Random]:
    rng = random.Random(seed)
    g = ExpertiseGraph()
    tags = [f"tag{i}" for i in range(12)]
    for a in range(answers):
        g.add_answer(a, answerer=rng.randrange(users), asker=rng.choice([None, *range(users)]),
                     tags=rng.sample(tags, rng.randint(0, 3)), at=T0 - timedelta(days=rng.randrange(2000)),
                     score=rng.randint(-2, 6), accepted=rng.random() < 0.3)
    return g, rng


def test_a_recent_answer_outweighs_an_old_one_by_the_half_life():
    g = ExpertiseGraph(half_life_days=180)
    g.add_answer(1, answerer=1, asker=9, tags=["cards"], at=T0)
    g.add_answer(2, answerer=2, asker=9, tags=["cards"], at=T0 - timedelta(days=180))
    g.add_answer(3, answerer=3, asker=9, tags=["cards"], at=T0 - timedelta(days=360))
    assert [u for u, _ in g.top_experts("cards")] == [1, 2, 3]
    w = weights(g, "cards")
    assert w[1] == 1.0 and abs(w[2] - 0.5) < 1e-12 and abs(w[3] - 0.25) < 1e-12


def test_accepted_and_upvotes_raise_weight_and_downvotes_do_not_go_below_plain():
    g = ExpertiseGraph(accepted_bonus=2.0, vote_weight=0.25)
    g.add_answer(1, answerer=1, asker=9, tags=["fees"], at=T0)
    g.add_answer(2, answerer=2, asker=9, tags=["fees"], at=T0, score=4)           # 1 + 0.25 * 4 = 2
    g.add_answer(3, answerer=3, asker=9, tags=["fees"], at=T0, accepted=True)     # 1 + 2 = 3
    g.add_answer(4, answerer=4, asker=9, tags=["fees"], at=T0, score=-5)          # still 1
    w = weights(g, "fees")
    assert w[3] == 1.0 and abs(w[2] - 2 / 3) < 1e-12 and abs(w[1] - 1 / 3) < 1e-12 and w[4] == w[1]
    assert g.evidence(3) == [TagEvidence("fees", 1, 1, 0, 3.0)]


def test_timezone_aware_dates_are_read_as_utc():
    g = ExpertiseGraph()
    g.add_answer(1, answerer=1, asker=None, tags=["x"], at=T0)
    g.add_answer(2, answerer=2, asker=None, tags=["x"], at=T0.replace(tzinfo=UTC))
    assert weights(g, "x") == {1: 1.0, 2: 1.0}


def test_update_and_remove_are_exact_inverses():
    g, _ = random_graph(1)
    g.add_answer(9000, answerer=3, asker=4, tags=["tag1", "tag2"], at=T0, score=2)
    before = state(g)
    g.refresh_authority()
    authority = dict(g.authority())
    g.update_answer(9000, score=40, accepted=True)
    g.tag_expertise(["tag1", "tag2"])          # snapshots taken while changed must not leak
    g.update_answer(9000, score=2)
    g.update_answer(9000, accepted=False)
    g.add_answer(10_000, answerer=3, asker=5, tags=["tag1", "tag9", "new"], at=T0, score=9, accepted=True)
    assert g.stats != before["stats"]
    weights(g, "tag1")
    g.remove_answer(10_000)
    assert_close(state(g), before)
    g.refresh_authority(force=True)
    assert_close(g.authority(), authority, 1e-6)


def test_re_adding_an_answer_replaces_it():
    g = ExpertiseGraph()
    g.add_answer(1, answerer=1, asker=2, tags=["a", "b", "a"], at=T0)
    g.add_answer(1, answerer=1, asker=2, tags=["a", "b"], at=T0)
    assert g.answer_count(1) == 1 and g.stats == {"users": 2, "tags": 2, "user_tag_edges": 2,
                                                   "user_user_edges": 1, "answers": 1}
    assert [e.answers for e in g.evidence(1)] == [1, 1]
    g.add_answer(1, answerer=3, asker=2, tags=["c"], at=T0)       # retagged and reattributed
    assert g.tags_of(1) == set() and g.tags_of(3) == {"c"} and g.answer_count(1) == 0
    assert g.stats == {"users": 2, "tags": 1, "user_tag_edges": 1, "user_user_edges": 1, "answers": 1}


def test_unknown_ids_and_deleted_answerers_are_ignored():
    g = ExpertiseGraph()
    g.update_answer(7, score=3)
    g.remove_answer(7)
    g.add_answer(8, answerer=None, asker=1, tags=["a"], at=T0)
    assert g.stats["answers"] == 0 and g.tag_expertise(["a"]) == {}


def test_tags_combine_by_idf_weighted_mean():
    g = ExpertiseGraph()
    # "common": 4 answers (users 1, 2, 3, 3); "rare": 1 answer (user 2). Same date, plain.
    for i, user in enumerate([1, 2, 3, 3]):
        g.add_answer(i, answerer=user, asker=None, tags=["common"], at=T0)
    g.add_answer(9, answerer=2, asker=None, tags=["rare"], at=T0)
    total = 5
    idf_c, idf_r = math.log(1 + total / 5), math.log(1 + total / 2)
    got = g.tag_expertise(["common", "rare", "unknown"])
    assert idf_r > idf_c
    assert list(got) == [2, 3, 1]
    assert abs(got[2] - (idf_c * 0.5 + idf_r * 1.0) / (idf_c + idf_r)) < 1e-12
    assert abs(got[3] - idf_c / (idf_c + idf_r)) < 1e-12
    assert abs(got[1] - idf_c * 0.5 / (idf_c + idf_r)) < 1e-12
    assert g.tag_expertise(["common", "rare"], limit=2).keys() == {2, 3}
    assert g.tag_expertise(["unknown", "other"]) == {} and g.tag_expertise([]) == {}


def brute_force(g: ExpertiseGraph, tags: list[str], limit: int) -> dict[int, float]:
    """tag_expertise from the exported graph, the slow obvious way."""
    nxg = g.to_networkx()
    per_tag = {}
    for t in dict.fromkeys(tags):
        if ("t", t) in nxg:
            ws = {u[1]: d["weight"] for u, _, d in nxg.in_edges(("t", t), data=True)}
            per_tag[t] = ({u: w / max(ws.values()) for u, w in ws.items()},
                          sum(d["answers"] for *_, d in nxg.in_edges(("t", t), data=True)))
    total = g.stats["answers"]
    idf = {t: math.log(1 + total / (1 + n)) for t, (_, n) in per_tag.items()}
    scores: dict[int, float] = {}
    for t, (norm, _) in per_tag.items():
        for u, v in norm.items():
            scores[u] = scores.get(u, 0.0) + idf[t] * v / sum(idf.values())
    return dict(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])


@pytest.mark.parametrize("seed", [2, 3])
def test_tag_expertise_stays_exact_through_incremental_changes(seed):
    # Big tags (hundreds of users) so snapshots are taken, go stale and are rebuilt.
    g, rng = random_graph(seed, answers=3000, users=600)
    for step in range(400):
        op = rng.random()
        answer_id = rng.randrange(3500)
        if op < 0.4:
            g.add_answer(answer_id, answerer=rng.randrange(700), asker=rng.randrange(700),
                         tags=rng.sample([f"tag{i}" for i in range(12)], 2), at=T0 + timedelta(days=step),
                         score=rng.randint(0, 9), accepted=rng.random() < 0.2)
        elif op < 0.7:
            g.update_answer(answer_id, score=rng.randint(-1, 20), accepted=rng.random() < 0.5)
        else:
            g.remove_answer(answer_id)
        if step % 25 == 0:
            tags = rng.sample([f"tag{i}" for i in range(12)], rng.randint(1, 4))
            for limit in (50, 10_000):
                assert_close(g.tag_expertise(tags, limit=limit), brute_force(g, tags, limit), 1e-9)


def test_authority_matches_networkx_pagerank():
    g, _ = random_graph(4, answers=200, users=30)
    assert g.refresh_authority()
    nxg = g.to_networkx()
    asked = nx.DiGraph()
    asked.add_edges_from((u[1], v[1], {"weight": d["weight"]}) for u, v, d in nxg.edges(data=True)
                         if d["kind"] == "asked")
    expected = nx.pagerank(asked, alpha=0.85, tol=1e-13, max_iter=10_000)
    top = max(expected.values())
    got = g.authority()
    assert got.keys() == expected.keys() and max(got.values()) == 1.0
    for u in got:
        assert abs(got[u] - expected[u] / top) < 1e-6


def test_authority_points_to_the_people_who_answer_the_answerers():
    g = ExpertiseGraph()
    for i, asker in enumerate([1, 2, 3, 4]):       # everyone's questions answered by 5
        g.add_answer(i, answerer=5, asker=asker, tags=[], at=T0)
    g.add_answer(10, answerer=6, asker=5, tags=[], at=T0)    # 5's question answered by 6
    g.add_answer(11, answerer=7, asker=7, tags=[], at=T0)    # a self-answer makes no edge
    g.refresh_authority()
    a = g.authority()
    assert 7 not in a and a[6] == 1.0 > a[5] > a[1] == a[4]


def test_authority_is_refreshed_only_when_edges_changed():
    g = ExpertiseGraph()
    assert g.authority() == {}
    g.add_answer(1, answerer=1, asker=2, tags=["a"], at=T0)
    assert g.authority() == {}                 # cached: only refresh_authority computes
    assert g.refresh_authority() is True
    first = g.authority()
    assert g.refresh_authority() is False and g.authority() is first
    g.add_answer(2, answerer=3, asker=None, tags=["a"], at=T0)       # no asker: no edge
    g.add_answer(3, answerer=3, asker=3, tags=["a"], at=T0)          # self-answer: no edge
    g.update_answer(2, score=5)
    assert g.refresh_authority() is False
    assert g.refresh_authority(force=True) is True
    g.update_answer(1, score=3)                # an edge's weight changed
    assert g.refresh_authority() is True
    g.remove_answer(1)
    assert g.refresh_authority() is True and g.authority() == {}


def test_warm_start_converges_faster_to_the_same_vector():
    g, _ = random_graph(5, answers=4000, users=800)
    g.refresh_authority()
    cold = g.last_refresh["iterations"]
    g.add_answer(99_999, answerer=1, asker=2, tags=["tag0"], at=T0)
    g.refresh_authority()
    assert g.last_refresh["warm"] and g.last_refresh["iterations"] < cold
    assert g.last_refresh["error"] < 1e-8
    warm = dict(g.authority())
    fresh, _ = random_graph(5, answers=4000, users=800)    # same edges, no previous vector
    fresh.add_answer(99_999, answerer=1, asker=2, tags=["tag0"], at=T0)
    fresh.refresh_authority()
    assert not fresh.last_refresh["warm"]
    assert_close(warm, fresh.authority(), 1e-6)


def test_far_dates_neither_overflow_nor_lose_exactness():
    g = ExpertiseGraph()                       # 1990..2100: 2**-223 between oldest and newest
    dates = [datetime(y, 6, 1) for y in (1990, 2000, 2030, 2070, 2100)]
    for i, at in enumerate(dates):
        g.add_answer(i, answerer=i, asker=99, tags=["t"], at=at)
    ranked = g.top_experts("t")
    assert [u for u, _ in ranked] == [4, 3, 2, 1, 0]
    assert all(0.0 <= w <= 1.0 and math.isfinite(w) for _, w in ranked) and ranked[0][1] == 1.0
    assert all(math.isfinite(e.weight) for u in range(5) for e in g.evidence(u))
    assert abs(g.evidence(4)[0].weight - 1.0) < 1e-12    # the newest answer, as of itself
    before = state(g)
    g.add_answer(50, answerer=0, asker=99, tags=["t"], at=datetime(2100, 1, 1), accepted=True)
    g.update_answer(50, score=100)
    g.remove_answer(50)
    assert_close(state(g), before, 0.0)        # exact even next to weights 2**1300 apart
    g.refresh_authority()
    assert all(math.isfinite(v) for v in g.authority().values())


def test_a_short_half_life_over_centuries_underflows_to_zero_but_never_overflows():
    g = ExpertiseGraph(half_life_days=30)      # 1990..2300: ~3,800 half-lives
    for i, year in enumerate((1990, 2100, 2300)):
        g.add_answer(i, answerer=i, asker=9, tags=["t"], at=datetime(year, 1, 1))
    assert g.top_experts("t") == [(2, 1.0)]    # 2**-1200 and less round to 0.0: no longer listed
    assert g.tags_of(0) == {"t"} and abs(g.evidence(2)[0].weight - 1.0) < 1e-12
    assert g.evidence(0)[0].weight == 0.0
    g.refresh_authority()
    assert g.authority()[2] == 1.0


def test_evidence_top_experts_and_accessors():
    g = ExpertiseGraph()
    g.add_answer(1, answerer=1, asker=2, tags=["cards", "fees"], at=T0, score=3, accepted=True)
    g.add_answer(2, answerer=1, asker=3, tags=["cards"], at=T0 - timedelta(days=30), score=-1)
    g.add_answer(3, answerer=4, asker=None, tags=[], at=T0)
    ev = g.evidence(1)
    assert [e.tag for e in ev] == ["cards", "fees"]
    assert (ev[0].answers, ev[0].accepted, ev[0].score) == (2, 1, 2)
    assert abs(ev[1].weight - 3.75) < 1e-9 and ev[0].weight > ev[1].weight
    assert g.evidence(1, limit=1) == ev[:1] and g.evidence(42) == []
    assert g.answer_count(1) == 2 and g.answer_count(4) == 1 and g.tags_of(4) == set()
    assert g.tags_of(1) == {"cards", "fees"} and g.top_experts("nope") == []
    assert g.stats == {"users": 4, "tags": 2, "user_tag_edges": 2, "user_user_edges": 2, "answers": 3}


def test_column_mirrors_a_dict_through_holes_and_compaction():
    rng = random.Random(6)
    col, mirror = Column(), {}
    for _ in range(5000):
        i = rng.randrange(1, 400)
        if rng.random() < 0.45:
            col.remove(i)
            mirror.pop(i, None)
        else:
            mirror[i] = rng.random() + 0.01
            col.set(i, mirror[i])
        assert len(col) == len(mirror)
    idx, val = col.live()
    assert {i: v for i, v in zip(idx.tolist(), val.tolist()) if i} == mirror
    assert len(idx) < 5000 / 2                  # holes were compacted away
    assert all(col.get(i) == v for i, v in mirror.items()) and col.get(999) == 0.0
    best = sorted(mirror, key=mirror.get, reverse=True)[:10]
    assert set(best) <= set(col.strongest(10).tolist())
    empty = Column()                             # the last removal compacts it to nothing
    for i in range(1, 44):
        empty.set(i, 1.0)
    for i in range(1, 44):
        empty.remove(i)
    assert len(empty) == 0 and len(empty.live()[0]) == 0
    empty.set(5, 1.5)
    assert empty.get(5) == 1.5 and empty.live()[0].tolist() == [5]


def test_top_hits_is_the_exact_top_whatever_the_seeds():
    rng = np.random.default_rng(8)
    scores = rng.random(10_000) * (rng.random(10_000) < 0.5)
    expected = set(np.argsort(-scores)[:50].tolist())
    for seeds in ([], [np.arange(1, 60)], [np.argsort(-scores)[:50]], [np.array([3, 4])]):
        assert set(top_hits(scores, seeds, 50).tolist()) == expected
    assert set(top_hits(np.array([0.0, 0.5, 0.0, 0.2]), [], 10).tolist()) == {1, 3}
