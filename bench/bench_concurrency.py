"""Concurrent writes through real HTTP servers: what issue 8 (section 1) and issue 11 measure.

    .venv/bin/python bench/bench_concurrency.py                               # SQLite, every server kind
    .venv/bin/python bench/bench_concurrency.py --db postgres                 # a throwaway PostgreSQL (initdb)
    .venv/bin/python bench/bench_concurrency.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
    .venv/bin/python bench/bench_concurrency.py --kinds topology --clients 1,8,40 --seconds 10

For each server kind (``flask-run``, ``gunicorn-sync``, ``topology``; see tests/system/servers.py)
it serves a fresh copy of one prepared database and prints:

* the 50-writer mix of the system tests (votes, answers, accepts, comments from 50 clients at
  once): requests, 5xx (and requests with no answer), votes lost, writes per second;
* votes per second through the API with 1, 8 and 40 concurrent clients, the points ledger on:
  each client keeps changing its vote (+1, retract, +1, ...) on its own answers for
  ``--seconds``, so every request is a real write; then 5xx and votes lost.

"Votes lost" are acknowledged votes (2xx) missing from the ``votes`` table; scores that differ
from their votes and a failing ``flask points verify`` are printed too. It asserts nothing.
The load generator, the servers and the database share the machine: say how many cores it had.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.system.checks import Findings, check_mix, check_votes, points_verify  # noqa: E402
from tests.system.databases import Databases, Population  # noqa: E402
from tests.system.servers import Server  # noqa: E402
from tests.system.workload import (  # noqa: E402
    ANSWER, BODY, TITLE, Client, Tally, insist, seed, vote_load, writers_mix,
)

KINDS = ("flask-run", "gunicorn-sync", "topology")  # also "gevent": the single-process command


def log(msg: str) -> None:
    print(msg, flush=True)


#: The API's per-client write limit (120 per minute) would cap one client at 2 votes/s and
#: answer 429 beyond: lifted, so the figures measure the server.
SERVER_ENV = {"API_WRITE_RATE_LIMIT": "1000000 per minute"}


def writes(tally: Tally) -> int:
    return sum(n for status, n in tally.statuses.items() if status != "error" and 200 <= status < 300)


def refused(tally: Tally) -> int:
    return sum(n for status, n in tally.statuses.items() if status != "error" and 400 <= status < 500)


def run_mix(server: Server, people: Population, database_url: str) -> dict:
    seed_tally, tally = Tally(), Tally()
    posts = seed(server.url, people.writers, seed_tally, label="bench-mix")
    ledger, seconds = writers_mix(server.url, people.writers, posts, tally)
    findings = check_mix(server.url, people.admin.token, database_url, posts, ledger)
    return {"requests": tally.requests, "4xx": refused(tally), "5xx": tally.failed, "lost_votes": findings.lost_votes,
            "writes_per_s": round(writes(tally) / seconds, 1), "seconds": round(seconds, 2),
            "statuses": {str(k): v for k, v in tally.statuses.items()}, "problems": findings.problems[:10],
            "verify": findings.verify_output.splitlines()[-1:] if findings.verify_output else [],
            "first_5xx": tally.server_errors[:3]}


def prepare_votes(server: Server, people: Population, answers: int = 40) -> tuple[int, list[int]]:
    """A question with ``answers`` answers by the author, for the voters to vote on."""
    setup = Tally()
    q = insist(Client(server.url, people.asker.token, setup), "POST", "/api/v1/questions",
               {"title": TITLE.format(n="bench-votes"), "body": BODY.format(n="bench"), "tags": ["cards"],
                "visibility": "public"})
    if q is None:
        raise RuntimeError(f"could not ask the voting question:\n{setup.summary()}\n{server.logs()}")
    author = Client(server.url, people.author.token, setup)
    ids = []
    for n in range(answers):
        a = insist(author, "POST", f"/api/v1/questions/{q['id']}/answers", {"body": ANSWER.format(n=f"bench-{n}")})
        if a is not None:
            ids.append(a["id"])
    return q["id"], ids


def run_votes(server: Server, people: Population, database_url: str, clients: int, seconds: float,
              question_id: int, answer_ids: list[int], standing) -> tuple[dict, object]:
    tally = Tally()
    ledger, wall = vote_load(server.url, people.moderators[:clients], answer_ids, tally, seconds, standing)
    findings = Findings()
    check_votes(server.url, people.admin.token, database_url, [question_id], ledger, findings)
    return {"clients": clients, "requests": tally.requests, "4xx": refused(tally), "5xx": tally.failed,
            "votes_per_s": round(writes(tally) / wall, 1), "lost_votes": findings.lost_votes,
            "score_drift": sum(1 for p in findings.problems if "votes sum to" in p)}, ledger


def bench_kind(kind: str, databases: Databases, template_url: str, people: Population, args, workdir: Path) -> dict:
    url = databases.clone(template_url, f"bench_{kind}")
    server = Server(kind, url, workdir / kind, env_extra=SERVER_ENV)
    log(f"  starting {kind} ...")
    server.start()
    try:
        result = {"kind": kind, "mix": run_mix(server, people, url)}
        mix = result["mix"]
        log(f"  {kind:<14} mix: {mix['requests']} requests, {mix['4xx']} 4xx, {mix['5xx']} 5xx, "
            f"{mix['lost_votes']} votes lost, "
            f"{mix['writes_per_s']} writes/s ({mix['seconds']}s)")
        question_id, answer_ids = prepare_votes(server, people)
        result["votes"], standing = [], None
        for clients in args.clients:
            row, standing = run_votes(server, people, url, clients, args.seconds, question_id, answer_ids, standing)
            result["votes"].append(row)
            log(f"  {kind:<14} votes, {clients:>2} clients: {row['votes_per_s']} votes/s, {row['requests']} requests, "
                f"{row['4xx']} 4xx, {row['5xx']} 5xx, {row['lost_votes']} lost")
        findings = Findings()
        points_verify(url, findings)
        result["points_verify"] = findings.verify_output.splitlines()[-1:] if findings.verify_output else []
        return result
    finally:
        server.stop()


def print_table(db: str, results: list[dict]) -> None:
    log(f"\n{db}: 50-writer mix")
    log(f"{'server':<14} {'requests':>8} {'4xx':>5} {'5xx':>5} {'lost':>5} {'writes/s':>9}  points verify")
    for r in results:
        m = r["mix"]
        log(f"{r['kind']:<14} {m['requests']:>8} {m['4xx']:>5} {m['5xx']:>5} {m['lost_votes']:>5} {m['writes_per_s']:>9}  "
            f"{' '.join(r.get('points_verify', []))}")
    log(f"\n{db}: votes through the API (ledger on)")
    log(f"{'server':<14} {'clients':>7} {'votes/s':>8} {'requests':>8} {'4xx':>5} {'5xx':>5} {'lost':>5}")
    for r in results:
        for v in r.get("votes", []):
            log(f"{r['kind']:<14} {v['clients']:>7} {v['votes_per_s']:>8} {v['requests']:>8} {v['4xx']:>5} "
                f"{v['5xx']:>5} {v['lost_votes']:>5}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="an existing PostgreSQL server (databases are created on it)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--clients", default="1,8,40")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    args.kinds = [k for k in args.kinds.split(",") if k]
    args.clients = [int(c) for c in args.clients.split(",") if c]
    if max(args.clients) > 40:
        parser.error("at most 40 clients (the prepared population has 40 voters)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    pg, postgres_url = None, args.database_url
    if args.db == "postgres" and not postgres_url:
        from tests.postgres.pgserver import PostgresServer
        pg = PostgresServer(durable=True).start()  # fsync on: writes cost what they cost
        postgres_url = pg.url()
        log(f"PostgreSQL (throwaway, fsync on) on 127.0.0.1:{pg.port}")
    workdir = Path(tempfile.mkdtemp(prefix="qaforum-bench-concurrency-"))
    databases = Databases(workdir / "db", postgres_url)
    db = "PostgreSQL" if postgres_url else "SQLite"
    try:
        log(f"{db}: preparing the template database ...")
        template_url, population_path = databases.template("bench")
        people = Population.load(population_path)
        results = [bench_kind(kind, databases, template_url, people, args, workdir) for kind in args.kinds]
        print_table(db, results)
        out = ROOT / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"concurrency-{db.lower()}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(json.dumps({"db": db, "cores": os.cpu_count(), "seconds": args.seconds,
                                    "results": results}, indent=1, ensure_ascii=False))
        log(f"\nsaved {path}")
    finally:
        databases.drop_all()
        if pg is not None:
            pg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
