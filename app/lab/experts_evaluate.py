"""Routing evaluation on real history: ``flask experts evaluate FILE.jsonl DIR`` (pure: no Flask, no db).

FILE.jsonl is written by ``flask experts replay``: one line per question,
``{"question": <post id>, "asker": <user id|null>, "ranked": [<user ids>], "notified": [<user ids>],
"at": "<iso time>"}`` (source ids of the dump), lines in any order. DIR is the Stack Exchange dump.

Definitions (the closing note quotes them):

* History: questions (id, owner, creation time, tags, accepted answer id) and answers (id, parent,
  owner, creation time) from Posts.xml. A post without OwnerUserId has no user. The dump, not the
  line's "asker", says who asked (the replay writes null for a deleted asker).
* Evaluation set: JSONL questions found in the dump whose accepted answer exists and has a known
  owner different from the question's owner (a deleted/unknown asker still counts). Others are
  skipped as "question not in dump", "no accepted answer", "unknown answerer" or "self-answer".
* Rank = 1-based position of the accepted answerer in the list, cut at ``k_max``; RR = 1/rank or 0.
  MRR, Hit@1, Hit@3, Hit@10 are means over the evaluation set.
* Baselines at the question's creation time t, from answers created strictly before t, never
  ranking the asker. Popularity: users by number of earlier answers (ties: more recent last answer
  first, then smaller id). Tag-count: users by number of earlier answers to questions sharing at
  least one tag with this one (each answer counted once), ties and filling by popularity order.
* Ratio = router MRR / max(baseline MRRs). Intervals: percentile bootstrap (2.5/97.5) over the
  evaluation set, ``bootstrap`` rounds, ``random.Random(seed)``, the same resample for all systems.
* Window = earliest to latest "at" of the JSONL (inclusive). Notification load: per user, the times
  they appear in "notified". Natural load: per user, accepted answers created in the window (any
  question, answerer known and != asker). Both Ginis over the same population: every user notified
  at least once or with an accepted answer in the window, zeros included. Gini of all zeros = 0.
* Daily maximum: most notifications one user got on one UTC calendar day of "at"; with a
  ``daily_cap``, the number of (user, day) pairs above it.
* Cold start: evaluation questions whose accepted answerer had <= 2 answers created before t;
  Hit@10 of the router and both baselines over them.
* Targets: MRR ratio >= 1.5 (floor 1.1); load Gini <= natural Gini; nobody above the cap (when
  given); cold-start Hit@10 >= 0.10.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

from app.lab.experts_metrics import (
    Answer,
    History,
    Interval,
    Question,
    bootstrap_intervals,
    column_mean,
    gini,
    iter_baselines,
    rank_of,
)
from app.importer import stackexchange as se

SYSTEMS = ("router", "popularity", "tag-count")
HITS = (1, 3, 10)
COLD_MAX_EARLIER = 2
RATIO_TARGET, RATIO_FLOOR, COLD_TARGET = 1.5, 1.1, 0.10
SKIP_REASONS = ("question not in dump", "no accepted answer", "unknown answerer", "self-answer")


class EvaluationInputError(Exception):
    """The JSONL or the dump cannot be read; ``str()`` names the file and, for JSONL, the line."""


# --- history ----------------------------------------------------------------------------------

def load_history(dump_dir: str | Path) -> History:
    """Questions and answers of the dump. Raises EvaluationInputError for an unreadable dump."""
    history = History()
    try:
        for post in se.read_posts(dump_dir):
            if post.post_type_id == se.QUESTION:
                history.questions[post.id] = Question(post.id, post.owner_user_id, post.creation_date,
                                                      frozenset(post.tags), post.accepted_answer_id)
            elif post.post_type_id == se.ANSWER and post.parent_id is not None:
                history.answers[post.id] = Answer(post.id, post.parent_id, post.owner_user_id,
                                                  post.creation_date)
    except se.ImportFormatError as err:
        raise EvaluationInputError(str(err)) from None
    return history


# --- the JSONL ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Decision:
    line: int
    question: int
    asker: int | None
    ranked: tuple[int, ...]
    notified: tuple[int, ...]
    at: datetime              # naive UTC


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decision(line: int, text: str) -> Decision:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON ({err.msg})") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    missing = [key for key in ("question", "asker", "ranked", "notified", "at") if key not in obj]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if not _is_id(obj["question"]):
        raise ValueError("question must be an integer")
    if obj["asker"] is not None and not _is_id(obj["asker"]):
        raise ValueError("asker must be an integer or null")
    for key in ("ranked", "notified"):
        if not isinstance(obj[key], list) or not all(_is_id(u) for u in obj[key]):
            raise ValueError(f"{key} must be a list of integers")
    if not isinstance(obj["at"], str):
        raise ValueError("at must be an ISO time string")
    try:
        at = se.parse_date(obj["at"])
    except ValueError:
        raise ValueError(f"at is not an ISO time: {obj['at'][:40]!r}") from None
    return Decision(line, obj["question"], obj["asker"], tuple(obj["ranked"]), tuple(obj["notified"]), at)


def read_decisions(jsonl_path: str | Path) -> list[Decision]:
    """Every line of the JSONL (blank lines ignored). Raises EvaluationInputError naming the line
    for a malformed line or a question repeated on two lines, and for an unreadable/empty file."""
    name = str(jsonl_path)
    decisions: list[Decision] = []
    seen: dict[int, int] = {}
    try:
        with open(jsonl_path, encoding="utf-8") as fh:
            for number, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    decision = _decision(number, text)
                except ValueError as err:
                    raise EvaluationInputError(f"{name}, line {number}: {err}") from None
                if decision.question in seen:
                    raise EvaluationInputError(f"{name}, line {number}: question {decision.question} "
                                               f"already on line {seen[decision.question]}")
                seen[decision.question] = number
                decisions.append(decision)
    except (OSError, UnicodeDecodeError) as err:
        raise EvaluationInputError(f"{name}: cannot read: {err}") from None
    if not decisions:
        raise EvaluationInputError(f"{name}: no decisions (empty file)")
    return decisions


# --- the report ------------------------------------------------------------------------------------

@dataclass
class SystemMetrics:
    mrr: Interval
    hit1: Interval
    hit3: Interval
    hit10: Interval
    cold_hit10: Interval


@dataclass
class Target:
    name: str
    value: float | None
    status: str               # "pass", "floor" (only the floor is met), "fail", "n/a"


@dataclass
class Report:
    """Everything ``evaluate`` measured. ``skipped`` maps each SKIP_REASONS entry to a count;
    ``mean_ranked_length`` is over all JSONL lines; ``systems`` is keyed by SYSTEMS; the load
    figures cover the window; ``over_cap_pairs`` is None without a cap."""
    jsonl_lines: int
    evaluated: int
    skipped: dict[str, int]
    mean_ranked_length: float
    k_max: int
    bootstrap: int
    seed: int
    systems: dict[str, SystemMetrics]
    ratio: Interval
    best_baseline: str
    cold_start_questions: int
    window_start: datetime
    window_end: datetime
    population: int
    notifications: int
    natural_accepted: int
    load_gini: float
    natural_gini: float
    daily_max: int
    daily_max_user: int | None
    daily_max_day: date | None
    daily_cap: int | None
    over_cap_pairs: int | None
    targets: list[Target]

    def to_dict(self) -> dict:
        """JSON-serialisable: datetimes and dates as ISO strings, intervals as value/low/high."""
        def plain(value):
            if isinstance(value, (datetime, date)):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            return value
        return plain(asdict(self))


def evaluate(jsonl_path, dump_dir, *, k_max: int = 100, bootstrap: int = 1000, seed: int = 7,
             daily_cap: int | None = None) -> Report:
    """Compare a replay's routing decisions with what happened (definitions: module docstring).

    Raises EvaluationInputError for a malformed/empty JSONL or an unreadable dump, ValueError
    for k_max < 1 or bootstrap < 0. Reads both files; no other side effect."""
    if k_max < 1 or bootstrap < 0:
        raise ValueError("k_max must be >= 1 and bootstrap >= 0")
    decisions = read_decisions(jsonl_path)
    history = load_history(dump_dir)

    skipped = dict.fromkeys(SKIP_REASONS, 0)
    evaluated: dict[int, tuple[Decision, int]] = {}     # question -> (decision, accepted answerer)
    for d in decisions:
        question = history.questions.get(d.question)
        answer = history.answers.get(question.accepted_answer_id or 0) if question else None
        reason = ("question not in dump" if question is None else "no accepted answer" if answer is None
                  else "unknown answerer" if answer.owner is None
                  else "self-answer" if answer.owner == question.owner else None)
        if reason:
            skipped[reason] += 1
        else:
            evaluated[d.question] = (d, answer.owner)

    ranks: dict[str, list[int | None]] = {name: [] for name in SYSTEMS}
    cold: list[int] = []
    for row in iter_baselines(history, evaluated, k_max):
        decision, answerer = evaluated[row.question.id]
        for name, ranked in zip(SYSTEMS, (decision.ranked, row.popularity, row.tag_count)):
            ranks[name].append(rank_of(ranked, answerer, k_max))
        cold.append(1 if row.answerer_earlier <= COLD_MAX_EARLIER else 0)

    columns = {}
    for name in SYSTEMS:
        rs = ranks[name]
        columns[f"{name}.mrr"] = ([1 / r if r else 0.0 for r in rs], None)
        for k in HITS:
            columns[f"{name}.hit{k}"] = ([1 if r and r <= k else 0 for r in rs], None)
        columns[f"{name}.cold_hit10"] = ([c if r and r <= 10 else 0 for r, c in zip(rs, cold)], cold)

    def ratio_of(means) -> float | None:
        best = max((means[f"{b}.mrr"] or 0.0) for b in SYSTEMS[1:])
        return means["router.mrr"] / best if best and means["router.mrr"] is not None else None

    point = {name: column_mean(*col) for name, col in columns.items()}
    point["ratio"] = ratio_of(point)
    intervals = bootstrap_intervals(columns, rounds=bootstrap, seed=seed, derived={"ratio": ratio_of})
    at = {name: Interval(point[name], *intervals[name]) for name in point}
    systems = {name: SystemMetrics(at[f"{name}.mrr"], at[f"{name}.hit1"], at[f"{name}.hit3"],
                                   at[f"{name}.hit10"], at[f"{name}.cold_hit10"]) for name in SYSTEMS}
    best_baseline = max(SYSTEMS[1:], key=lambda b: (point[f"{b}.mrr"] or 0.0))

    # Load: notifications of every line (skipped questions were notified too) vs accepted answers.
    start, end = min(d.at for d in decisions), max(d.at for d in decisions)
    load = Counter(u for d in decisions for u in d.notified)
    natural: Counter[int] = Counter()
    for question in history.questions.values():
        answer = history.answers.get(question.accepted_answer_id or 0)
        if answer and answer.owner is not None and answer.owner != question.owner \
                and start <= answer.created <= end:
            natural[answer.owner] += 1
    population = set(load) | set(natural)
    daily = Counter((u, d.at.date()) for d in decisions for u in d.notified)
    # Deterministic pick among equal maxima: earliest day, then smallest user id.
    top_pair = min(daily.items(), key=lambda item: (-item[1], item[0][1], item[0][0]), default=None)

    report = Report(
        jsonl_lines=len(decisions), evaluated=len(evaluated), skipped=skipped,
        mean_ranked_length=sum(len(d.ranked) for d in decisions) / len(decisions),
        k_max=k_max, bootstrap=bootstrap, seed=seed, systems=systems, ratio=at["ratio"],
        best_baseline=best_baseline, cold_start_questions=sum(cold), window_start=start, window_end=end,
        population=len(population), notifications=sum(load.values()), natural_accepted=sum(natural.values()),
        load_gini=gini([load[u] for u in population]), natural_gini=gini([natural[u] for u in population]),
        daily_max=top_pair[1] if top_pair else 0, daily_max_user=top_pair[0][0] if top_pair else None,
        daily_max_day=top_pair[0][1] if top_pair else None, daily_cap=daily_cap,
        over_cap_pairs=sum(1 for n in daily.values() if n > daily_cap) if daily_cap is not None else None,
        targets=[])
    report.targets = _targets(report)
    return report


def _targets(r: Report) -> list[Target]:
    ratio = r.ratio.value
    cold = r.systems["router"].cold_hit10.value
    return [
        Target(f"MRR ratio >= {RATIO_TARGET}x the better baseline (floor {RATIO_FLOOR}x)", ratio,
               "n/a" if ratio is None else "pass" if ratio >= RATIO_TARGET
               else "floor" if ratio >= RATIO_FLOOR else "fail"),
        # A tiny tolerance so equal loads computed in a different order still pass.
        Target("notification load Gini <= natural Gini", r.load_gini,
               "n/a" if r.population == 0 else "pass" if r.load_gini <= r.natural_gini + 1e-12 else "fail"),
        Target(f"nobody above the daily cap ({r.daily_cap})" if r.daily_cap is not None
               else "nobody above the daily cap (no cap given)", r.over_cap_pairs,
               "n/a" if r.daily_cap is None else "pass" if r.over_cap_pairs == 0 else "fail"),
        Target(f"cold-start Hit@10 >= {COLD_TARGET}", cold,
               "n/a" if cold is None else "pass" if cold >= COLD_TARGET else "fail"),
    ]


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ci(i: Interval, digits: int = 3) -> str:
    if i.low is None:
        return _num(i.value, digits)
    return f"{_num(i.value, digits)} [{_num(i.low, digits)}, {_num(i.high, digits)}]"


def format_report(report: Report) -> str:
    """The report as a compact text table for the terminal (no trailing newline)."""
    r = report
    skips = ", ".join(f"{n} {reason}" for reason, n in r.skipped.items())
    day = r.daily_max_day.isoformat() if r.daily_max_day else "-"
    who = "-" if r.daily_max_user is None else r.daily_max_user
    cap = ("no cap given" if r.daily_cap is None
           else f"cap {r.daily_cap}: {r.over_cap_pairs} (user, day) pairs above it")
    lines = [
        (f"Routing evaluation: {r.jsonl_lines} JSONL lines, {r.evaluated} evaluated "
         f"(k_max {r.k_max}, {r.bootstrap} bootstrap rounds, seed {r.seed})"),
        f"Skipped: {skips}",
        f"Mean ranked length: {r.mean_ranked_length:.1f}",
        "",
        f"{'':<11}{'MRR [95% CI]':<26}{'Hit@1':>7}{'Hit@3':>7}{'Hit@10':>7}   cold-start Hit@10 [95% CI]",
    ]
    for name, m in r.systems.items():
        lines.append(f"{name:<11}{_ci(m.mrr):<26}{_num(m.hit1.value):>7}{_num(m.hit3.value):>7}"
                     f"{_num(m.hit10.value):>7}   {_ci(m.cold_hit10)}")
    lines += [
        "",
        f"Cold-start questions (answerer had <= {COLD_MAX_EARLIER} earlier answers): {r.cold_start_questions}",
        f"MRR ratio router / best baseline ({r.best_baseline}): {_ci(r.ratio, 2)}",
        (f"Window {r.window_start:%Y-%m-%d %H:%M} .. {r.window_end:%Y-%m-%d %H:%M} UTC: {r.population} users, "
         f"{r.notifications} notifications, {r.natural_accepted} accepted answers"),
        f"Gini of notification load {_num(r.load_gini)} vs natural (accepted answers) {_num(r.natural_gini)}",
        f"Daily maximum: {r.daily_max} notifications to user {who} on {day}; {cap}",
        "Targets:",
    ]
    for t in r.targets:
        value = "-" if t.value is None else t.value if isinstance(t.value, int) else f"{t.value:.3f}"
        lines.append(f"  {t.status.upper():<5} {t.name}: {value}")
    return "\n".join(lines)
