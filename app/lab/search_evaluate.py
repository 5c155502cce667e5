"""The search quality harness behind ``flask search evaluate DIR``.

1. Imports the Stack Exchange dump into a fresh temporary database through the importer
   (app.importer.loader.import_dump) and indexes it with the configured backend.
2. Query sets, all with the moderator's audience (every question is a candidate):
   * known item: each question's title; the target is the question itself;
   * duplicates: PostLinks with LinkTypeId 3; the duplicate's title is the query, the target
     its original; the duplicate itself is left out of its own ranking;
   * the same two with one typo (deletion, insertion, substitution or swap of neighbours, at
     a random place, seeded) in one random word of 5+ letters; queries without such a word
     are left out of the typo sets, and their untyped figures are given on the same subset.
3. MRR (reciprocal rank within the top 50, else 0), Hit@1 and Hit@10, for the engine and for
   a reference: plain BM25 (SQLite FTS5, unicode61, no stemming) over title + body, the query
   words OR-ed, run on the same queries.
4. Suggestions, as the ask page gets them: each duplicate pair through the real
   ``GET /api/v1/search/suggest`` (the app's own endpoint, its default of 8 questions), once with
   the duplicate's title only and once with its title and the start of its body (what the asker
   has typed by then); ranks are among the questions it returns, the duplicate itself left out.
   The reference gets the same text: the title, or the title and the body's start.
"""
from __future__ import annotations

import random
import re
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from app.markup import plain_text

DEPTH = 50
SUGGEST_BODY = 1000   # characters of the duplicate's body typed, as the ask page sends them
_WORD = re.compile(r"\w+", re.UNICODE)


def inject_typo(text: str, rng: random.Random) -> str | None:
    """``text`` with one typo in one of its words of 5+ letters (None if it has none)."""
    words = [m for m in re.finditer(r"[^\W\d_]{5,}", text)]
    if not words:
        return None
    m = rng.choice(words)
    w, i = m.group(), rng.randrange(len(m.group()))
    op = rng.choice(("delete", "insert", "substitute", "swap"))
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "delete":
        typo = w[:i] + w[i + 1:]
    elif op == "insert":
        typo = w[:i] + rng.choice(letters) + w[i:]
    elif op == "substitute":
        typo = w[:i] + rng.choice(letters.replace(w[i].lower(), "")) + w[i + 1:]
    else:
        i = min(i, len(w) - 2)
        typo = w[:i] + w[i + 1] + w[i] + w[i + 2:] if w[i] != w[i + 1] else w[:i] + w[i + 2:] + w[i:i + 2]
    return text[:m.start()] + typo + text[m.end():]


def metrics(ranks: list[int | None]) -> dict:
    """MRR, Hit@1, Hit@10 from 1-based ranks (None: not in the top DEPTH)."""
    n = len(ranks) or 1
    return {"n": len(ranks), "mrr": round(sum(1 / r for r in ranks if r) / n, 4),
            "hit1": round(sum(1 for r in ranks if r == 1) / n, 4),
            "hit10": round(sum(1 for r in ranks if r and r <= 10) / n, 4)}


def _rank(ids: list[int], target: int, exclude: int | None) -> int | None:
    ids = [i for i in ids if i != exclude]
    return ids.index(target) + 1 if target in ids[:DEPTH] else None


class Reference:
    """Plain BM25 over title + body in a throwaway FTS5 table."""

    def __init__(self, docs: list[tuple[int, str]]):
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("CREATE VIRTUAL TABLE ref USING fts5(text, tokenize='unicode61')")
        self.conn.executemany("INSERT INTO ref(rowid, text) VALUES (?, ?)", docs)

    def ranked(self, query: str) -> list[int]:
        words = list(dict.fromkeys(w.lower() for w in _WORD.findall(query) if w != "_"))
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        return [r[0] for r in self.conn.execute(
            "SELECT rowid FROM ref WHERE ref MATCH ? ORDER BY bm25(ref) LIMIT ?", (match, DEPTH + 1))]


def run_evaluation(directory: str, *, site: str | None = None, seed: int = 13,
                   echo: Callable[[str], None] = print) -> dict:
    """Run the whole harness (see the module docstring); returns the report dict."""
    from flask import current_app
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.forum.models import Question
    from app.importer.loader import import_dump
    from app.importer.stackexchange import LINK_DUPLICATE, read_post_links
    from app.search import get_backend
    from app.search.backend import Audience, SearchRequest
    from app.search.indexer import all_documents
    from app.search.query import parse_query

    tmp = Path(tempfile.mkdtemp(prefix="qaforum-eval-"))
    base = current_app.config
    app = create_app(type("EvalConfig", (), {k: v for k, v in base.items() if k.isupper()}),
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'eval.db'}", SEARCH_DB_PATH=str(tmp / "search.db"),
                     MEILI_INDEX=f"eval_{uuid.uuid4().hex[:10]}")
    report: dict = {"dump": str(directory), "seed": seed}
    try:
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            imported = import_dump(db.session, directory, site)
            db.session.commit()
            report["site"], report["import_seconds"] = imported.site, round(time.perf_counter() - started, 1)
            echo(f"imported {imported.questions} questions, {imported.answers} answers "
                 f"in {report['import_seconds']} s")
            backend = get_backend(app)
            started = time.perf_counter()
            backend.rebuild(all_documents(db.session))
            report["backend"], report["index_seconds"] = backend.name, round(time.perf_counter() - started, 1)
            echo(f"indexed with {backend.name} in {report['index_seconds']} s")

            rows = db.session.execute(select(Question.id, Question.source_id, Question.title, Question.body_html)
                                      .where(Question.deleted_at.is_(None))).all()
            by_source = {r.source_id: r.id for r in rows}
            titles = {r.id: r.title for r in rows}
            bodies = {r.id: plain_text(r.body_html)[:SUGGEST_BODY] for r in rows}
            reference = Reference([(r.id, f"{r.title}\n{plain_text(r.body_html)}") for r in rows])
            dups = sorted({(by_source[link.post_id], by_source[link.related_post_id])
                           for link in read_post_links(directory) if link.link_type_id == LINK_DUPLICATE
                           and link.post_id in by_source and link.related_post_id in by_source
                           and link.post_id != link.related_post_id})
            report["questions"], report["duplicate_pairs"] = len(rows), len(dups)

            everyone = Audience(staff=True, everything=True)
            timings: list[float] = []

            def engine(q: str) -> list[int]:
                t0 = time.perf_counter()
                result = backend.search(SearchRequest(parse_query(q[:500]), everyone, per_page=DEPTH + 1))
                timings.append(time.perf_counter() - t0)
                return [h.doc["id"] for h in result.hits]

            rng = random.Random(seed)
            sets = {"known_item": [(titles[i], i, None) for i in sorted(titles)],
                    "duplicates": [(titles[d], o, d) for d, o in dups]}
            for name in list(sets):
                typed = [(inject_typo(q, rng), t, x) for q, t, x in sets[name]]
                sets[f"{name}_typo"] = [(q, t, x) for q, t, x in typed if q is not None]
                sets[f"{name}_typo_untyped"] = [(q0, t, x) for (q0, t, x), (q, _, _) in zip(sets[name], typed)
                                                if q is not None]
            for system, ranked in (("engine", engine), ("reference", reference.ranked)):
                report[system] = {name: metrics([_rank(ranked(q), t, x) for q, t, x in queries])
                                  for name, queries in sets.items()}
            report["suggest"], report["suggest_reference"] = evaluate_suggest(app, reference, titles, bodies, dups)
            timings.sort()
            report["engine_ms"] = {"p50": round(1000 * timings[len(timings) // 2], 2),
                                   "p95": round(1000 * timings[int(len(timings) * 0.95)], 2)}
            if hasattr(backend, "drop"):
                backend.drop()
            backend.close()
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report


def evaluate_suggest(app, reference: Reference, titles: dict, bodies: dict, dups: list) -> tuple[dict, dict]:
    """MRR, Hit@1, Hit@10 of the duplicates' originals in the suggestion endpoint, with the
    title only and with the title and the body's start, and in the reference on the same text."""
    client = app.test_client()

    def suggest(title: str, body: str) -> list[int]:
        response = client.get("/api/v1/search/suggest", query_string={"q": title, "body": body})
        return [i["id"] for i in response.get_json()["items"] if i["type"] == "question"]
    engine, ref = {}, {}
    for name, with_body in (("title", False), ("title_body", True)):
        engine[name] = metrics([_rank(suggest(titles[d], bodies[d] if with_body else ""), o, d) for d, o in dups])
        ref[name] = metrics([_rank(reference.ranked(titles[d] + (" " + bodies[d] if with_body else "")), o, d)
                             for d, o in dups])
    return engine, ref


def format_report(r: dict) -> str:
    """The figures as a small table with the targets' ratios."""
    lines = [f"{r['site']}: {r['questions']} questions, {r['duplicate_pairs']} duplicate pairs "
             f"(backend {r['backend']}, typo seed {r['seed']})",
             f"{'set':<28}{'n':>6}  {'engine MRR':>10} {'Hit@1':>6} {'Hit@10':>6}   {'BM25 MRR':>8} {'Hit@1':>6} {'Hit@10':>6}"]
    for name, e in r["engine"].items():
        ref = r["reference"][name]
        lines.append(f"{name:<28}{e['n']:>6}  {e['mrr']:>10.3f} {e['hit1']:>6.3f} {e['hit10']:>6.3f}   "
                     f"{ref['mrr']:>8.3f} {ref['hit1']:>6.3f} {ref['hit10']:>6.3f}")
    e, ref = r["engine"], r["reference"]
    ratio = e["duplicates"]["mrr"] / ref["duplicates"]["mrr"] if ref["duplicates"]["mrr"] else float("nan")
    lines.append(f"known-item MRR {e['known_item']['mrr']:.3f} (target >= 0.9); duplicate MRR {ratio:.2f}x "
                 f"the reference (target >= 1.3x)")
    for name in ("known_item", "duplicates"):
        untyped = e[f"{name}_typo_untyped"]["hit10"]
        typo = e[f"{name}_typo"]["hit10"]
        share = typo / untyped if untyped else float("nan")
        lines.append(f"{name} typo Hit@10 {typo:.3f} = {share:.0%} of untyped {untyped:.3f} on the same "
                     f"queries (target >= 90%)")
    lines.append(f"engine latency over these queries: p50 {r['engine_ms']['p50']} ms, p95 {r['engine_ms']['p95']} ms")
    if "suggest" in r:
        for name, label in (("title", "title"), ("title_body", "title + body")):
            e, ref = r["suggest"][name], r["suggest_reference"][name]
            verdict = "at least as good" if e["mrr"] >= ref["mrr"] else "WORSE"
            lines.append(f"suggest ({label}) on {e['n']} duplicate pairs: MRR {e['mrr']:.3f} Hit@1 {e['hit1']:.3f} "
                         f"Hit@10 {e['hit10']:.3f}; BM25 reference on the same text MRR {ref['mrr']:.3f}: {verdict}")
    return "\n".join(lines)
