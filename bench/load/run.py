"""Load benchmark: every page of the forum against a bare Flask page, in the same run.

    .venv/bin/python bench/load/run.py                                   # beer and 100,000, SQLite
    .venv/bin/python bench/load/run.py --db postgres --sizes beer --duration 5
    .venv/bin/python bench/load/run.py --db sqlite,postgres --clients 1,8

For each database (SQLite, PostgreSQL) and data size (the Stack Exchange beer dump imported, and
N generated questions), it serves the forum with ``gunicorn -w 2`` (``--worker-class`` to change)
and, beside it under the same settings, the bare reference page of bench/load/bare.py (raw
driver, 30 rows, one template). Then, with wrk (``--latency``, after a warm-up):

* the reference page;
* every page the issue names, anonymous and logged in (a real login through the form, its cookie
  carried): the list, a question page, search, tags, a user page, the expert directory,
  notifications (logged in only), the knowledge-base home and an article page (bench/load/articles.py
  publishes some first), and the API list;
* the first request after start-up of each page (a fresh server per page, on a new origin: nothing
  cached for it) against the same page in the now warm process rendered again (an extra query
  argument: a page-cache miss); then that server restarted on the same origin, its first request
  against the warm process's page-cache hit (medians).

It prints req/s, p50 and p99 and each page's share of the reference's req/s, and saves JSON in
bench/out/. It asserts nothing: the figures go into the closing note.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

from bench.load.data import (OUT, ROOT, Databases, build_beer, build_generated,  # noqa: E402
                             ensure_articles, ensure_bench_user, flask, log)
from bench.load.servers import Gunicorn, fetch, login, pages  # noqa: E402
from bench.load.tools import ensure_wrk, run_locust, run_wrk  # noqa: E402

FORUM_APP, BARE_APP = "wsgi:app", "bench.load.bare:app"


def machine() -> str:
    mem = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} cores{mem}, {platform.system()} {platform.machine()}, Python {platform.python_version()}"


def _fmt(ms: float) -> str:
    return "n/a" if ms != ms else f"{ms:.1f}"  # NaN when nothing completed


class Measure:
    """One load tool, its settings, and the rows it produced."""

    def __init__(self, args, wrk: str | None):
        self.args, self.wrk, self.rows = args, wrk, []

    def one(self, base: str, path: str, clients: int, cookie: str | None) -> dict:
        url = base + path
        if self.args.warmup:
            (run_wrk(self.wrk, url, clients, self.args.warmup, cookie) if self.wrk else
             run_locust(base, path, clients, self.args.warmup, cookie))
        return (run_wrk(self.wrk, url, clients, self.args.duration, cookie) if self.wrk else
                run_locust(base, path, clients, self.args.duration, cookie))

    def page(self, base: str, label: str, path: str, who: str, cookie: str | None, context: dict) -> None:
        status, final, body = fetch(base + path, cookie)
        if who == "logged in" and "/login" in final:
            raise RuntimeError(f"{path}: the session was lost (redirected to {final})")
        for clients in self.args.client_counts:
            row = self.one(base, path, clients, cookie)
            row.update(context, page=label, path=path, who=who, clients=clients, status=status, bytes=len(body))
            self.rows.append(row)
            share = row["rps"] / context["reference_rps"][clients] if context["reference_rps"].get(clients) else None
            row["share"] = share
            log(f"    {label:<17} {who:<10} c={clients}: {row['rps']:8.1f} req/s"
                f"{f' ({share:.2f} of bare)' if share is not None else ''}, p50 {_fmt(row['p50_ms'])} ms, "
                f"p99 {_fmt(row['p99_ms'])} ms{' HTTP ' + str(status) if status != 200 else ''}"
                f"{', non-2xx ' + str(row['non_2xx']) if row['non_2xx'] else ''}")


def first_requests(url: str, found: list, args, label: str) -> list[dict]:
    """Each page's first request on a freshly started server, twice: on a new origin (nothing
    cached for it anywhere: what the first visitor of a new deployment, or of a page after a
    write, gets) and after that server is restarted on the same origin (the cache file it shares
    is kept: what visitors get after a deploy or a worker restart). Against the same page in the
    warm process: rendered again (a query argument no view reads makes it a page-cache miss) and
    from the page cache (medians of repeats)."""
    out = []
    for page, path, _anonymous in found:
        if path == "/notifications":
            continue
        server = Gunicorn(FORUM_APP, url, 1, f"{label}-cold", args.worker_class)
        try:
            server.wait_ready()
            cold = _timed(server.base + path)
            hits = [_timed(server.base + path) for _ in range(15)]
            joiner = "&" if "?" in path else "?"
            renders = [_timed(f"{server.base}{path}{joiner}bench-render={n}") for n in range(7)]
        finally:
            server.stop()
        restarted = Gunicorn(FORUM_APP, url, 1, f"{label}-restarted", args.worker_class, port=server.port)
        try:
            restarted.wait_ready()
            again = _timed(restarted.base + path)
        finally:
            restarted.stop()
        hit, render = statistics.median(hits), statistics.median(renders)
        out.append({"page": page, "cold_ms": round(cold, 1), "warm_ms": round(hit, 1),
                    "render_ms": round(render, 1), "restart_ms": round(again, 1),
                    "ratio": round(cold / hit, 1) if hit else None,
                    "render_ratio": round(cold / render, 1) if render else None,
                    "restart_ratio": round(again / hit, 1) if hit else None})
        log(f"    first request {page:<17}: new origin {cold:6.1f} ms (rendered warm {render:6.1f} ms: "
            f"{cold / render:.1f}x); after a restart {again:6.1f} ms (from the cache warm {hit:5.1f} ms: "
            f"{again / hit:.1f}x)")
    return out


def _timed(url: str) -> float:
    started = time.perf_counter()
    status, _, _ = fetch(url)
    if status != 200:
        raise RuntimeError(f"{url}: HTTP {status}")
    return (time.perf_counter() - started) * 1000


def run_size(db_kind: str, dbs: Databases, size: str, measure: Measure, args) -> dict:
    info = build_beer(dbs) if size == "beer" else build_generated(dbs, int(size))
    url = info.pop("url")
    ensure_bench_user(url)
    ensure_articles(url)
    # As a deployment does after an import: the expertise index saved, so that the servers below
    # start with it (app/experts/snapshot.py) instead of loading every answer in each worker.
    log("  " + flask(url, "experts", "snapshot").stdout.strip().splitlines()[-1])
    label = re.sub(r"\W+", "-", f"{db_kind}-{info['label']}").strip("-")
    context = {"db": db_kind, "size": info["label"], "questions": info.get("questions"), "reference_rps": {}}
    bare = Gunicorn(BARE_APP, url, args.workers, f"{label}-bare", args.worker_class)
    forum = Gunicorn(FORUM_APP, url, args.workers, label, args.worker_class)
    try:
        bare.wait_ready()
        forum.wait_ready()
        log(f"[{db_kind}, {info['label']}]")
        for clients in args.client_counts:
            ref = measure.one(bare.base, "/", clients, None)
            ref.update({k: v for k, v in context.items() if k != "reference_rps"}, page="bare Flask reference",
                       path="/", who="anonymous", clients=clients, status=200, share=1.0, bytes=0)
            measure.rows.append(ref)
            context["reference_rps"][clients] = ref["rps"]
            log(f"    {'bare reference':<17} {'':<10} c={clients}: {ref['rps']:8.1f} req/s, "
                f"p50 {_fmt(ref['p50_ms'])} ms, p99 {_fmt(ref['p99_ms'])} ms")
        cookie = login(forum.base)
        found = pages(forum.base, url)
        for page, path, anonymous in found:
            if anonymous:
                measure.page(forum.base, page, path, "anonymous", None, context)
            measure.page(forum.base, page, path, "logged in", cookie, context)
    finally:
        errors = forum.stop()
        bare.stop()
    if errors:
        log(f"  !! {errors} server errors (tracebacks) in {forum.log_path.relative_to(ROOT)}")
    cold = first_requests(url, found, args, label) if args.cold else []
    return {**info, "db": db_kind, "server_errors": errors, "first_requests": cold}


def print_table(rows: list[dict], datasets: list[dict], args, tool: str) -> None:
    print()
    print(f"Load benchmark: gunicorn -w {args.workers} ({args.worker_class}) on 127.0.0.1, {tool} "
          f"{args.duration}s per cell, machine {machine()}")
    header = (f"{'db':<9}{'data':<30} {'page':<22} {'who':<10} {'c':>3} {'req/s':>8} {'share':>6} "
              f"{'p50 ms':>7} {'p99 ms':>7}  note")
    print(header)
    print("-" * len(header))
    for r in rows:
        note = f"HTTP {r['status']}" if r["status"] != 200 else ""
        if r["non_2xx"]:
            note += f" {r['non_2xx']} non-2xx"
        if r.get("socket_errors"):
            note += " " + r["socket_errors"]
        share = f"{r['share']:.2f}" if r.get("share") is not None else ""
        print(f"{r['db']:<9}{r['size'][:29]:<30} {r['page'][:21]:<22} {r['who']:<10} {r['clients']:>3} "
              f"{r['rps']:>8.1f} {share:>6} {_fmt(r['p50_ms']):>7} {_fmt(r['p99_ms']):>7}  {note.strip()}")
    for d in datasets:
        extra = ""
        if "import_seconds" in d:
            extra = (f": import {d['import_seconds']}s, {d['import_posts_per_s']} posts/s, "
                     f"peak RSS {d['import_peak_rss_mib']} MiB")
        if d.get("server_errors"):
            extra += f"; {d['server_errors']} server errors logged"
        print(f"  {d['db']}, {d['label']}: {d.get('questions')} questions, {d.get('answers')} answers{extra}")
        for c in d.get("first_requests", []):
            print(f"    first request {c['page']:<17} new origin {c['cold_ms']:6.1f} ms (rendered warm "
                  f"{c['render_ms']:6.1f} ms: {c['render_ratio']}x); after a restart {c['restart_ms']:6.1f} ms "
                  f"(from the cache warm {c['warm_ms']:5.1f} ms: {c['restart_ratio']}x)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="beer,100000", help="comma list: beer and/or question counts")
    parser.add_argument("--db", default="sqlite", help="comma list: sqlite and/or postgres")
    parser.add_argument("--clients", default="8", help="comma list of concurrent connections")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each cell")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (both servers)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (both servers)")
    parser.add_argument("--no-cold", dest="cold", action="store_false", help="skip the first-request figures")
    parser.add_argument("--tool", choices=("auto", "wrk", "locust"), default="auto")
    parser.add_argument("--fresh", action="store_true", help="rebuild cached SQLite databases")
    args = parser.parse_args(argv)
    args.client_counts = [int(c) for c in args.clients.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)

    wrk = ensure_wrk() if args.tool in ("auto", "wrk") else None
    if args.tool == "wrk" and not wrk:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    tool = "wrk" if wrk else "locust"
    log(f"machine: {machine()}; load tool: {tool}; gunicorn -w {args.workers} ({args.worker_class})")
    measure, datasets = Measure(args, wrk), []
    for db_kind in [d.strip() for d in args.db.split(",") if d.strip()]:
        dbs = Databases(db_kind, args.fresh)
        try:
            for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
                datasets.append(run_size(db_kind, dbs, size, measure, args))
        finally:
            dbs.close()
    print_table(measure.rows, datasets, args, tool)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = OUT / f"load-{stamp}.json"
    out.write_text(json.dumps({"machine": machine(), "tool": tool, "workers": args.workers,
                               "worker_class": args.worker_class, "duration_s": args.duration,
                               "datasets": datasets,
                               "rows": [{k: (None if v != v else v) for k, v in r.items()} for r in measure.rows]},
                              indent=2, ensure_ascii=False))
    print(f"saved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
