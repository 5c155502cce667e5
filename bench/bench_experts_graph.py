"""Expertise graph and text profiles at scale, in-process (prints figures, asserts nothing).

    .venv/bin/python bench/bench_experts_graph.py                          # 1,000,000 user-tag edges
    .venv/bin/python bench/bench_experts_graph.py --edges 100000 --text-docs 20000
    .venv/bin/python bench/bench_experts_graph.py --edges 0 --dump ../shared/data/stackexchange/beer

Synthetic data (fixed --seed): --users people whose answering activity follows a power law
(a few answer a lot), --tags tags with Zipf popularity, answers of 1-5 distinct tags from a
uniformly drawn asker over the last five years (25 % accepted, geometric scores), generated
until the graph holds --edges distinct user-tag pairs. Text: --text-docs answers get a text of
20-60 words, half from their tags' topic words, half from a Zipf background vocabulary.

Prints:
1. graph build: time (without tracemalloc), RSS delta (psutil), tracemalloc peak (a second
   build with tracing on, unless --no-tracemalloc), and the same for the text profiles;
2. 10,000 new answers applied with add_answer, then 10,000 score/accept updates;
3. refresh_authority cold (first run) and warm (after those changes);
4. one "rank" for --queries random questions (1-5 tags, 30 tokens): tag_expertise(limit 200) +
   authority lookups of those users + TextProfiles.similar(limit 200); p50 / p95 / max, each
   part and in total: a first pass (each tag's and term's cached seeds computed on first use),
   a second pass on the still graph, and a pass with 10 writes (answers + texts) between ranks;
5. with --dump DIR (repeatable): a real Stack Exchange dump's answers, read in place through
   app.importer.stackexchange.read_posts, and the rank latency over its questions.

With --scopes K (K >= 2), text documents fall into visibility scopes as a bank's would: 60 %
public, 25 % internal, the rest spread over K - 2 teams. "similar" is then timed for routing (every
scope: the union path) and for a member of staff of one team reading "who knows X" (public,
internal and their team's scope).
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.experts.graph import ExpertiseGraph
from app.experts.textsim import TextProfiles, tokenize

NOW = datetime(2024, 6, 1)
LIMIT = 200


class Synthetic:
    """A deterministic stream of answers and texts."""

    def __init__(self, users: int, tags: int, seed: int):
        self.rng = np.random.default_rng(seed)
        self.users, self.tags = users, tags
        activity = 1.0 / np.arange(1, users + 1) ** 0.8
        self.user_p = activity / activity.sum()
        popularity = 1.0 / np.arange(1, tags + 1)
        self.tag_p = popularity / popularity.sum()
        self.tag_names = [f"tag{i}" for i in range(tags)]
        self.vocab = [f"w{i}" for i in range(50_000)]
        background = 1.0 / np.arange(1, len(self.vocab) + 1)
        self.word_p = background / background.sum()
        self.topics = self.rng.integers(0, len(self.vocab), size=(tags, 20))
        self.next_id = 1

    def answers(self, n: int, *, recent: bool = False) -> list[tuple]:
        r = self.rng
        answerers = r.choice(self.users, size=n, p=self.user_p)
        askers = r.integers(0, self.users, size=n)
        counts = r.integers(1, 6, size=n)
        tag_ids = r.choice(self.tags, size=(n, 5), p=self.tag_p)
        days = r.integers(0, 30 if recent else 5 * 365, size=n)
        scores = r.geometric(0.4, size=n) - 1
        accepted = r.random(n) < 0.25
        out = []
        for i in range(n):
            tags = [self.tag_names[t] for t in dict.fromkeys(tag_ids[i, :counts[i]].tolist())]
            out.append((self.next_id, int(answerers[i]), int(askers[i]), tags, NOW - timedelta(days=int(days[i])),
                        int(scores[i]), bool(accepted[i])))
            self.next_id += 1
        return out

    def tokens(self, tags: list[str], n: int) -> list[str]:
        topic = self.topics[[int(t[3:]) for t in tags]].ravel()
        words = np.concatenate([self.rng.choice(topic, size=n // 2),
                                self.rng.choice(len(self.vocab), size=n - n // 2, p=self.word_p)])
        return [self.vocab[w] for w in words.tolist()]


def rss() -> float:
    return psutil.Process().memory_info().rss / 1e6


def percentiles(samples: list[float]) -> str:
    s = sorted(samples)
    pick = lambda q: 1000 * s[min(len(s) - 1, int(q * len(s)))]
    return f"p50 {pick(0.5):7.2f}  p95 {pick(0.95):7.2f}  max {1000 * s[-1]:8.2f} ms"


def build_graph(args, keep: bool = True) -> tuple[ExpertiseGraph, list[tuple], float, Synthetic]:
    """The synthetic graph, grown in chunks until it holds ``args.edges`` user-tag edges; with
    ``keep``, a sample of the answers added (for the update phase)."""
    data = Synthetic(args.users, args.tags, args.seed)
    graph = ExpertiseGraph()
    kept: list[tuple] = []          # a sample of what was added, for the update phase
    spent = 0.0
    while graph.stats["user_tag_edges"] < args.edges:
        chunk = data.answers(50_000)
        started = time.perf_counter()
        for a in chunk:
            graph.add_answer(a[0], answerer=a[1], asker=a[2], tags=a[3], at=a[4], score=a[5], accepted=a[6])
        spent += time.perf_counter() - started
        if keep:
            kept.extend(chunk[:: max(1, len(chunk) // 2000)])
        del chunk
    return graph, kept, spent, data


def build_text(texts: list[tuple]) -> tuple[TextProfiles, float]:
    profiles = TextProfiles()
    started = time.perf_counter()
    for user, key, tokens, weight, scope in texts:
        profiles.add(user, ("a", key), tokens, weight=weight, scope=scope)
    return profiles, time.perf_counter() - started


def scope_for(rng, scopes: int):
    """A document's scope: all public with one scope; else 60 % public, 25 % internal, teams."""
    if scopes < 2:
        return "public"
    draw = rng.random()
    if draw < 0.60 or scopes == 2 and draw < 0.75:
        return "public"
    if draw < 0.85 or scopes == 2:
        return "internal"
    return ("team", rng.randrange(scopes - 2))


def rank_latency(graph: ExpertiseGraph, profiles: TextProfiles, queries, writes=None,
                 scopes=None) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"tag_expertise": [], "authority": [], "similar": [], "rank": []}
    for i, (tags, tokens) in enumerate(queries):
        if writes:
            writes(i)
        t0 = time.perf_counter()
        by_tag = graph.tag_expertise(tags, limit=LIMIT)
        t1 = time.perf_counter()
        authority = graph.authority()
        _ = [authority.get(u, 0.0) for u in by_tag]
        t2 = time.perf_counter()
        profiles.similar(tokens, limit=LIMIT, scopes=scopes)
        t3 = time.perf_counter()
        for name, value in (("tag_expertise", t1 - t0), ("authority", t2 - t1), ("similar", t3 - t2),
                            ("rank", t3 - t0)):
            times[name].append(value)
    return times


def print_latency(label: str, times: dict[str, list[float]]) -> None:
    for name, samples in times.items():
        print(f"  {label:<26} {name:<14} {percentiles(samples)}")


def synthetic(args) -> None:
    print(f"synthetic: target {args.edges:,} user-tag edges, {args.users:,} users, {args.tags:,} tags, "
          f"{args.scopes} text scope(s)")
    gc.collect()
    before = rss()
    graph, kept, seconds, data = build_graph(args)
    s = graph.stats
    print(f"  graph build     {seconds:7.1f} s  ({s['answers'] / seconds:,.0f} answers/s)  "
          f"RSS +{rss() - before:,.0f} MB")
    print(f"  graph stats     {s}")
    if not args.no_tracemalloc:
        tracemalloc.start()
        twin = build_graph(args, keep=False)[0]
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del twin
        gc.collect()
        print(f"  graph tracemalloc: held {held / 1e6:,.0f} MB ({held / max(s['user_tag_edges'], 1):.0f} B per "
              f"user-tag edge, answer records included), peak {peak / 1e6:,.0f} MB (with a 50,000-answer input chunk)")
    docs = Synthetic(args.users, args.tags, args.seed + 1).answers(args.text_docs)
    scope_rng = random.Random(args.seed + 2)
    texts = [(a[1], a[0], data.tokens(a[3], int(data.rng.integers(20, 61))), 1.0 + a[6],
              scope_for(scope_rng, args.scopes)) for a in docs]
    del docs
    gc.collect()
    before = rss()
    profiles, seconds = build_text(texts)
    print(f"  text build      {seconds:7.1f} s  ({len(texts) / max(seconds, 1e-9):,.0f} docs/s)  "
          f"RSS +{rss() - before:,.0f} MB  {profiles.stats}")
    if not args.no_tracemalloc:
        tracemalloc.start()
        twin = build_text(texts)[0]
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del twin
        print(f"  text tracemalloc: held {held / 1e6:,.0f} MB, peak {peak / 1e6:,.0f} MB (input tokens excluded)")
    del texts

    started = time.perf_counter()
    graph.refresh_authority()
    r = graph.last_refresh
    print(f"  authority cold  {time.perf_counter() - started:7.2f} s  {r['nodes']:,} users {r['edges']:,} edges "
          f"{r['iterations']} iterations, L1 change {r['error']:.1e}")

    fresh = data.answers(10_000, recent=True)
    started = time.perf_counter()
    for a in fresh:
        graph.add_answer(a[0], answerer=a[1], asker=a[2], tags=a[3], at=a[4], score=a[5], accepted=a[6])
    spent = time.perf_counter() - started
    print(f"  10,000 add_answer     {spent:6.2f} s  ({1e6 * spent / 10_000:.0f} us each)")
    rng = random.Random(args.seed)
    ids = [rng.choice(kept)[0] for _ in range(10_000)]
    started = time.perf_counter()
    for answer_id in ids:
        graph.update_answer(answer_id, score=rng.randint(0, 30), accepted=rng.random() < 0.3)
    spent = time.perf_counter() - started
    print(f"  10,000 update_answer  {spent:6.2f} s  ({1e6 * spent / 10_000:.0f} us each)")
    started = time.perf_counter()
    graph.refresh_authority()
    r = graph.last_refresh
    print(f"  authority warm  {time.perf_counter() - started:7.2f} s  {r['iterations']} iterations, "
          f"L1 change {r['error']:.1e}")

    queries = []
    for a in data.answers(args.queries):
        queries.append((a[3], data.tokens(a[3], 30)))
    print_latency("first pass (cold seeds)", rank_latency(graph, profiles, queries))
    print_latency("still graph", rank_latency(graph, profiles, queries))
    if args.scopes > 2:
        staff = ["public", "internal", ("team", 0)]
        print_latency("one team's staff (3 scopes)", rank_latency(graph, profiles, queries, scopes=staff))
    churn = data.answers(10 * args.queries, recent=True)

    def writes(i: int) -> None:
        for a in churn[10 * i: 10 * i + 10]:
            graph.add_answer(a[0], answerer=a[1], asker=a[2], tags=a[3], at=a[4], score=a[5], accepted=a[6])
            profiles.add(a[1], ("a", a[0]), data.tokens(a[3], 40), weight=1.0, scope=scope_for(scope_rng, args.scopes))
    print_latency("10 writes between ranks", rank_latency(graph, profiles, queries, writes))


def dump(directory: str, queries: int, seed: int) -> None:
    from app.importer.stackexchange import ANSWER, QUESTION, read_posts

    started = time.perf_counter()
    posts = list(read_posts(directory))
    read = time.perf_counter() - started
    questions = {p.id: p for p in posts if p.post_type_id == QUESTION}
    graph, profiles = ExpertiseGraph(), TextProfiles()
    started = time.perf_counter()
    for p in posts:
        q = questions.get(p.parent_id) if p.post_type_id == ANSWER else None
        if q is None:
            continue
        accepted = q.accepted_answer_id == p.id
        graph.add_answer(p.id, answerer=p.owner_user_id, asker=q.owner_user_id, tags=q.tags, at=p.creation_date,
                         score=p.score, accepted=accepted)
        if p.owner_user_id is not None:
            profiles.add(p.owner_user_id, ("a", p.id), tokenize(" ".join([q.title or "", *q.tags, p.body])),
                         weight=1.0 + accepted + 0.25 * max(p.score, 0))
    for q in questions.values():
        if q.owner_user_id is not None:
            profiles.add(q.owner_user_id, ("q", q.id), tokenize(" ".join([q.title or "", *q.tags])), weight=0.3)
    graph.refresh_authority()
    built = time.perf_counter() - started
    print(f"dump {directory}: read {read:.1f} s, graph + text + authority built in {built:.2f} s")
    print(f"  graph {graph.stats}\n  text  {profiles.stats}")
    picked = random.Random(seed).sample(list(questions.values()), min(queries, len(questions)))
    qs = [(list(q.tags), tokenize(" ".join([q.title or "", *q.tags, q.body]))) for q in picked]
    print_latency(f"{len(qs)} questions, 1st pass", rank_latency(graph, profiles, qs))
    print_latency(f"{len(qs)} questions, 2nd pass", rank_latency(graph, profiles, qs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edges", type=int, default=1_000_000, help="user-tag edges to reach (0: skip)")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--tags", type=int, default=5_000)
    parser.add_argument("--text-docs", type=int, default=200_000, help="answers given a text profile")
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the traced second builds")
    parser.add_argument("--dump", action="append", default=[], help="a Stack Exchange dump directory")
    parser.add_argument("--scopes", type=int, default=1, help="visibility scopes of the text documents")
    args = parser.parse_args()
    print(f"bench_experts_graph: {platform.python_implementation()} {platform.python_version()}, numpy "
          f"{np.__version__}, {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 1e9:.0f} GB, "
          f"{platform.machine()}")
    from app import text
    text.warm_up()
    if args.edges:
        synthetic(args)
    for directory in args.dump:
        dump(directory, args.queries, args.seed)


if __name__ == "__main__":
    main()
