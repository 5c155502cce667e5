"""The routing evaluation harness (pure: no app, no database).

Fixtures are tiny dumps and JSONL files written into tmp_path; the smoke test reads the real
beer dump from ../shared (never copied into the repository).
"""
from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.lab.experts_evaluate import (
    EvaluationInputError,
    evaluate,
    format_report,
    load_history,
    read_decisions,
)
from app.lab.experts_metrics import (
    bootstrap_intervals,
    gini,
    iter_baselines,
    percentile,
    rank_of,
)

REPO = Path(__file__).resolve().parents[2]
BEER = REPO / ".." / "shared" / "data" / "stackexchange" / "beer"
T0 = datetime(2020, 1, 1)


# --- fixtures --------------------------------------------------------------------------------------

def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def q(id, owner, hours, tags=(), accepted=None):
    row = {"Id": id, "PostTypeId": 1, "CreationDate": at(hours), "Title": f"Q{id}", "Body": "x"}
    if owner is not None:
        row["OwnerUserId"] = owner
    if tags:
        row["Tags"] = "".join(f"<{t}>" for t in tags)
    if accepted is not None:
        row["AcceptedAnswerId"] = accepted
    return row


def a(id, parent, owner, hours):
    row = {"Id": id, "PostTypeId": 2, "ParentId": parent, "CreationDate": at(hours), "Body": "y"}
    if owner is not None:
        row["OwnerUserId"] = owner
    return row


def write_dump(directory: Path, posts: list[dict]) -> Path:
    """Posts.xml and a minimal Users.xml, shaped like the real dumps (BOM included)."""
    directory.mkdir(exist_ok=True)
    for name, rows in (("Posts.xml", posts), ("Users.xml", [{"Id": 1, "CreationDate": at(0)}])):
        root = ET.Element(name.removesuffix(".xml").lower())
        for attrs in rows:
            ET.SubElement(root, "row", {k: str(v) for k, v in attrs.items()})
        (directory / name).write_bytes(b"\xef\xbb\xbf" + ET.tostring(root, encoding="utf-8", xml_declaration=True))
    return directory


def line(question, ranked=(), notified=(), hours=0.0, asker=None, when=None):
    return {"question": question, "asker": asker, "ranked": list(ranked), "notified": list(notified),
            "at": when or at(hours)}


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def run(tmp_path, posts, lines, **kwargs):
    dump = write_dump(tmp_path / "dump", posts)
    return evaluate(write_jsonl(tmp_path / "r.jsonl", lines), dump, **kwargs)


# Three questions answered and accepted by users 10, 20, 30; askers 1, 2, 3. No earlier answers,
# so both baselines are empty lists and score 0.
THREE = [q(1, 1, 1, ("beer",), 101), a(101, 1, 10, 1.5),
         q(2, 2, 2, ("beer",), 102), a(102, 2, 20, 2.5),
         q(3, 3, 3, ("wine",), 103), a(103, 3, 30, 3.5)]
THREE_LINES = [line(3, [1, 2, 4], hours=3), line(1, [10, 20], hours=1), line(2, [5, 6, 20, 10], hours=2)]


# --- ranks, MRR, Hit@k ----------------------------------------------------------------------------

def test_mrr_and_hits_on_three_questions(tmp_path):
    r = run(tmp_path, THREE, THREE_LINES, bootstrap=50)
    router = r.systems["router"]
    assert r.evaluated == 3 and r.jsonl_lines == 3
    assert router.mrr.value == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert (router.hit1.value, router.hit3.value, router.hit10.value) == pytest.approx((1 / 3, 2 / 3, 2 / 3))
    assert r.systems["popularity"].mrr.value == 0 and r.systems["tag-count"].mrr.value == 0
    assert r.ratio.value is None                      # both baselines at 0: the ratio is undefined
    assert r.mean_ranked_length == pytest.approx(9 / 3)


def test_rank_is_cut_at_k_max(tmp_path):
    r = run(tmp_path, THREE, THREE_LINES, k_max=2, bootstrap=0)
    assert r.systems["router"].mrr.value == pytest.approx(1 / 3)        # question 2's rank 3 is cut
    assert rank_of([5, 6, 20], 20, 3) == 3 and rank_of([5, 6, 20], 20, 2) is None
    assert rank_of([7, 7], 7, 10) == 1 and rank_of([], 7, 10) is None


def test_only_accepted_answers_by_someone_else_are_evaluated(tmp_path):
    posts = [*THREE,
             q(4, 4, 4, ("beer",), 104), a(104, 4, 4, 4.5),           # self-answer
             q(5, 5, 5, ("beer",)), a(105, 5, 10, 5.5),               # no accepted answer
             q(6, 6, 6, ("beer",), 999),                              # accepted id not in dump
             q(7, 7, 7, ("beer",), 107), a(107, 7, None, 7.5),        # deleted answerer
             q(8, None, 8, ("beer",), 108), a(108, 8, 10, 8.5)]       # deleted asker: still counts
    lines = [*THREE_LINES, line(4, [4], hours=4), line(5, [10], hours=5), line(6, [10], hours=6),
             line(7, [10], hours=7), line(8, [10], hours=8), line(99, [10], hours=9)]
    r = run(tmp_path, posts, lines, bootstrap=0)
    assert r.skipped == {"question not in dump": 1, "no accepted answer": 2, "unknown answerer": 1,
                         "self-answer": 1}
    assert r.evaluated == 4 and r.jsonl_lines == 9
    assert r.systems["router"].mrr.value == pytest.approx((1 + 1 / 3 + 0 + 1) / 4)


# --- baselines -------------------------------------------------------------------------------------

def baselines(tmp_path, posts, k_max=100):
    history = load_history(write_dump(tmp_path / "dump", posts))
    return {row.question.id: row for row in iter_baselines(history, history.questions, k_max)}


def test_baselines_use_strictly_earlier_answers_and_never_the_asker(tmp_path):
    posts = [q(1, 50, 0), a(11, 1, 7, 1), a(12, 1, 7, 2), a(13, 1, 7, 3), a(14, 1, 8, 4), a(15, 1, 8, 5),
             q(2, 51, 6), a(16, 2, 9, 10), a(17, 2, 9, 10), a(18, 2, 9, 10), a(19, 2, 9, 10),
             q(3, 7, 10, accepted=14),             # asked by 7 at the very time 9's answers are posted
             q(4, 60, 11)]
    rows = baselines(tmp_path, posts)
    assert rows[3].popularity == [8] and rows[3].tag_count == [8]       # 7 is the asker, 9 is not earlier
    assert rows[3].answerer_earlier == 2
    assert rows[4].popularity == [9, 7, 8]
    assert rows[1].popularity == [] and rows[1].answerer_earlier == 0


def test_popularity_ties_more_recent_last_answer_then_smaller_id(tmp_path):
    posts = [q(1, 50, 0), a(11, 1, 30, 1), a(12, 1, 20, 2), a(13, 1, 10, 2), q(2, 51, 3)]
    assert baselines(tmp_path, posts)[2].popularity == [10, 20, 30]
    assert baselines(tmp_path, posts, k_max=2)[2].popularity == [10, 20]


def test_tag_count_differs_from_popularity_and_counts_each_answer_once(tmp_path):
    posts = [q(1, 50, 0, ("beer", "ale")), q(2, 50, 0, ("beer",)), q(3, 50, 0, ("ale",)), q(4, 50, 0, ("wine",)),
             a(11, 1, 13, 1), a(12, 4, 13, 1), a(13, 4, 13, 1),   # 13: one beer+ale answer, two wine
             a(14, 2, 12, 2), a(15, 3, 12, 2),                     # 12: one beer, one ale
             a(16, 4, 14, 3),                                      # 14: wine only
             q(5, 50, 5, ("ale", "beer")), q(6, 50, 5, ("stout",))]
    rows = baselines(tmp_path, posts)
    assert rows[5].popularity == [13, 12, 14]
    # 12 has two matching answers, 13 one (counted once though it matches both tags); 14 fills.
    assert rows[5].tag_count == [12, 13, 14]
    assert rows[6].tag_count == rows[6].popularity               # no shared tag: popularity order


def brute_force(history, question, k_max):
    """The baseline definitions applied literally, one question at a time."""
    count, last, in_tags = defaultdict(int), {}, defaultdict(int)
    for ans in history.answers.values():
        if ans.owner is None or ans.created >= question.created:
            continue
        count[ans.owner] += 1
        last[ans.owner] = max(last.get(ans.owner, ans.created), ans.created)
        parent = history.questions.get(ans.parent_id)
        if parent and parent.tags & question.tags:
            in_tags[ans.owner] += 1
    users = [u for u in count if u != question.owner]
    popularity = sorted(users, key=lambda u: (-count[u], -last[u].timestamp(), u))[:k_max]
    tagged = sorted((u for u in users if in_tags[u]),
                    key=lambda u: (-in_tags[u], -count[u], -last[u].timestamp(), u))[:k_max]
    return popularity, (tagged + [u for u in popularity if u not in tagged])[:k_max]


def test_incremental_baselines_match_the_definitions_on_a_random_history(tmp_path):
    rng = random.Random(3)
    posts, next_id = [], 1000
    for qid in range(1, 121):
        posts.append(q(qid, rng.choice([None, *range(1, 25)]), qid, rng.sample("abcdef", rng.randint(0, 3))))
        for _ in range(rng.randint(0, 4)):
            next_id += 1    # coarse times so that ties and same-time answers happen
            posts.append(a(next_id, rng.randint(1, qid), rng.choice([None, *range(1, 25)]),
                           float(rng.randint(qid - 3, qid + 5))))
    for k_max in (100, 5):
        history = load_history(write_dump(tmp_path / "dump", posts))
        for row in iter_baselines(history, history.questions, k_max):
            assert (row.popularity, row.tag_count) == brute_force(history, row.question, k_max), row.question.id


# --- load, Gini, daily maximum -------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ([1, 1, 1, 1], 0.0), ([0, 0, 0, 4], 0.75), ([4, 0, 0, 0], 0.75), ([], 0.0), ([0, 0], 0.0),
    ([0, 1, 3], 0.5), ([1, 1, 0], 1 / 3)])
def test_gini(values, expected):
    assert gini(values) == pytest.approx(expected)


def test_load_and_natural_gini_share_one_population(tmp_path):
    posts = [q(1, 1, 1, accepted=101), a(101, 1, 10, 1.5),
             q(2, 2, 2, accepted=102), a(102, 2, 30, 2.5),
             q(3, 3, 3, accepted=103), a(103, 3, 3, 3.5),           # self-answer: not natural load
             q(4, 4, 3, accepted=104), a(104, 4, 40, 9)]            # accepted after the window
    lines = [line(1, [10], [10, 20], hours=1), line(2, [10], [10], hours=2), line(3, [10], [10], hours=4)]
    r = run(tmp_path, posts, lines, bootstrap=0)
    # population {10, 20, 30}: load [3, 1, 0], natural [1, 0, 1]
    assert (r.population, r.notifications, r.natural_accepted) == (3, 4, 2)
    assert r.load_gini == pytest.approx(0.5) and r.natural_gini == pytest.approx(1 / 3)
    assert [t.status for t in r.targets][1] == "fail"


def test_daily_maximum_counts_per_utc_day(tmp_path):
    posts = [q(i, 1, i) for i in range(1, 6)]
    lines = [line(1, notified=[10, 20], when="2020-01-01T08:00:00"),
             line(2, notified=[10, 20], when="2020-01-02T01:00:00+02:00"),   # still Jan 1st in UTC
             line(3, notified=[10], when="2020-01-02T09:00:00"),
             line(4, notified=[10], when="2020-01-02T10:00:00"),
             line(5, notified=[10], when="2020-01-02T11:00:00")]
    r = run(tmp_path, posts, lines, bootstrap=0, daily_cap=2)
    assert (r.daily_max, r.daily_max_user, str(r.daily_max_day)) == (3, 10, "2020-01-02")
    assert r.over_cap_pairs == 1 and r.targets[2].status == "fail"
    assert run(tmp_path, posts, lines, bootstrap=0, daily_cap=3).targets[2].status == "pass"
    r = run(tmp_path, posts, lines, bootstrap=0)
    assert r.over_cap_pairs is None and r.targets[2].status == "n/a"


# --- cold start ---------------------------------------------------------------------------------------

def test_cold_start_selects_answerers_with_at_most_two_earlier_answers(tmp_path):
    posts = [q(1, 1, 0), a(11, 1, 22, 1), a(12, 1, 22, 2), a(13, 1, 33, 1), a(14, 1, 33, 2), a(15, 1, 33, 3),
             q(2, 2, 10, accepted=21), a(21, 2, 11, 11),          # 11: 0 earlier answers -> cold
             q(3, 3, 10, accepted=31), a(31, 3, 22, 11),          # 22: 2 earlier -> cold
             q(4, 4, 10, accepted=41), a(41, 4, 33, 11)]          # 33: 3 earlier -> not cold
    filler = list(range(500, 520))
    lines = [line(2, [11], hours=10), line(3, [*filler[:19], 22], hours=10), line(4, [33], hours=10)]
    r = run(tmp_path, posts, lines, bootstrap=0)
    assert r.cold_start_questions == 2
    assert r.systems["router"].cold_hit10.value == pytest.approx(0.5)     # 22 at rank 20 misses
    assert r.systems["popularity"].cold_hit10.value == pytest.approx(0.5)  # 22 is 2nd, 11 absent
    assert r.targets[3].status == "pass"


# --- bootstrap -------------------------------------------------------------------------------------

def test_bootstrap_interval_contains_the_estimate_and_is_seeded():
    values = [1.0, 0.5, 0.0, 0.0, 0.25, 1.0, 0.0, 0.33]
    cols = {"x": (values, None)}
    one = bootstrap_intervals(cols, rounds=500, seed=7)
    assert one == bootstrap_intervals(cols, rounds=500, seed=7)
    assert one != bootstrap_intervals(cols, rounds=500, seed=8)
    low, high = one["x"]
    assert low < sum(values) / len(values) < high
    assert bootstrap_intervals(cols, rounds=0, seed=7)["x"] == (None, None)
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and percentile([5], 0.975) == 5


def test_report_intervals_are_deterministic(tmp_path):
    r1 = run(tmp_path, THREE, THREE_LINES, bootstrap=300, seed=11)
    r2 = run(tmp_path, THREE, THREE_LINES, bootstrap=300, seed=11)
    assert r1.to_dict() == r2.to_dict()
    mrr = r1.systems["router"].mrr
    assert mrr.low <= mrr.value <= mrr.high and mrr.low < mrr.high


# --- bad input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, message", [
    ("{not json", "not JSON"), ("[1, 2]", "not a JSON object"), ('{"question": 1}', "missing asker"),
    (json.dumps(line(2, ["x"])), "ranked must be a list of integers"),
    (json.dumps(line(2, [1], when="yesterday")), "at is not an ISO time"),
    (json.dumps({**line(2), "question": "2"}), "question must be an integer"),
    (json.dumps(line(1)), "question 1 already on line 1")])
def test_malformed_line_names_the_line(tmp_path, bad, message):
    path = write_jsonl(tmp_path / "r.jsonl", [line(1), "", bad])
    with pytest.raises(EvaluationInputError, match=rf"r\.jsonl, line 3: .*{message}"):
        read_decisions(path)


def test_empty_jsonl_and_missing_dump_are_input_errors(tmp_path):
    with pytest.raises(EvaluationInputError, match="empty"):
        read_decisions(write_jsonl(tmp_path / "empty.jsonl", []))
    with pytest.raises(EvaluationInputError, match="Posts.xml"):
        evaluate(write_jsonl(tmp_path / "r.jsonl", [line(1)]), tmp_path)


# --- the printed report -------------------------------------------------------------------------------

def test_format_report_contains_the_figures(tmp_path):
    r = run(tmp_path, THREE, THREE_LINES, bootstrap=100, daily_cap=5)
    text = format_report(r)
    m = r.systems["router"].mrr
    assert f"{m.value:.3f} [{m.low:.3f}, {m.high:.3f}]" in text and "0.444" in text
    for name in ("router", "popularity", "tag-count", "cold-start Hit@10"):
        assert name in text
    assert "3 JSONL lines, 3 evaluated" in text and "0 self-answer" in text
    assert "N/A   MRR ratio >= 1.5x" in text and "PASS  nobody above the daily cap (5)" in text
    json.dumps(r.to_dict())
    assert r.to_dict()["systems"]["router"]["hit3"]["value"] == pytest.approx(2 / 3)


# --- the real dump ------------------------------------------------------------------------------------

def test_smoke_on_the_beer_dump_with_popularity_as_the_router(tmp_path):
    """A "router" that is the popularity baseline, computed here from the definitions, must score
    exactly as the harness's own popularity baseline."""
    assert BEER.joinpath("Posts.xml").is_file(), f"the shared beer dump is missing at {BEER.resolve()}"
    history = load_history(BEER)
    lines = []
    for question in history.questions.values():
        ranked, _ = brute_force(history, question, 100)
        lines.append(line(question.id, ranked, ranked[:3], asker=question.owner, when=question.created.isoformat()))
    random.Random(1).shuffle(lines)                              # lines may come in any order
    r = evaluate(write_jsonl(tmp_path / "beer.jsonl", lines), BEER, bootstrap=200)
    router, popularity = r.systems["router"], r.systems["popularity"]
    assert router == popularity
    assert r.ratio.value <= 1 and r.evaluated + sum(r.skipped.values()) == r.jsonl_lines == 1029
    assert r.evaluated > 500 and 0 < r.natural_gini < 1
    print("\n" + format_report(r))
