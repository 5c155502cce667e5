"""Import speed and peak memory of ``qa import-stackexchange`` (prints figures, asserts nothing).

    .venv/bin/python bench/bench_import.py                     # beer and ai dumps, fresh SQLite files
    .venv/bin/python bench/bench_import.py ../shared/data/stackexchange/beer
    DATABASE_URL=postgresql+psycopg://user@host/db .venv/bin/python bench/bench_import.py
        # also PostgreSQL: a fresh database is created beside the one named, then dropped

Each dump is imported into an empty database in its own child process, twice: once timed
(wall seconds, this process's CPU seconds, which a busy machine
disturbs less, posts/s, ``ru_maxrss`` of the process), once under tracemalloc (peak of Python
allocations; tracemalloc slows the run, so its time is not reported). The tables come from
``db.create_all()``. Times include the validation pass, the load and the commit.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DUMPS = ROOT / ".." / "shared" / "data" / "stackexchange"
sys.path.insert(0, str(ROOT))


def measure(dump: str, url: str, traced: bool) -> dict:
    """Import ``dump`` into ``url`` (empty) in this process; returns the figures."""
    from app import create_app
    from app.extensions import db
    from app.importer.loader import import_dump

    app = create_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if traced:
            tracemalloc.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        report = import_dump(db.session, dump)
        db.session.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        tracemalloc.stop()
        db.session.remove()
        db.engine.dispose()
    posts = report.questions + report.answers
    return {"posts": posts, "comments": report.comments, "users": report.users, "seconds": seconds, "cpu": cpu,
            "posts_per_s": posts / seconds, "rss_before_kb": rss_before,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "tracemalloc_peak": peak,
            "summary": report.summary()}


def child(dump: Path, url: str, traced: bool) -> dict:
    """Run :func:`measure` in a fresh interpreter so ru_maxrss belongs to this import alone."""
    proc = subprocess.run([sys.executable, __file__, "--child", str(dump), "--url", url]
                          + (["--traced"] if traced else []), capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"import of {dump} into {url.split('@')[-1]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fresh_postgres(base_url: str) -> tuple[str, callable]:
    """A new empty database on the server of ``base_url`` and a function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"qaforum_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False), drop


def run(dumps: list[Path]) -> None:
    print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    header = f"{'dump':<8} {'database':<10} {'posts':>6} {'seconds':>8} {'cpu s':>6} {'posts/s':>8} " \
             f"{'maxrss MB':>10} {'(+import)':>10} {'tracemalloc MB':>15}"
    print(header)
    print("-" * len(header))
    targets = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL", "").startswith("postgresql") else [])
    for dump in dumps:
        for target in targets:
            with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
                figures = {}
                for traced in (False, True):
                    if target == "sqlite":
                        url, drop = f"sqlite:///{Path(tmp) / ('t.db' if traced else 'f.db')}", (lambda: None)
                    else:
                        url, drop = fresh_postgres(os.environ["DATABASE_URL"])
                    try:
                        figures["traced" if traced else "timed"] = child(dump, url, traced)
                    finally:
                        drop()
            timed, traced_run = figures["timed"], figures["traced"]
            print(f"{dump.name:<8} {target:<10} {timed['posts']:>6} {timed['seconds']:>8.2f} {timed['cpu']:>6.2f} "
                  f"{timed['posts_per_s']:>8.0f} {timed['maxrss_kb'] / 1024:>10.1f} "
                  f"{(timed['maxrss_kb'] - timed['rss_before_kb']) / 1024:>+10.1f} "
                  f"{traced_run['tracemalloc_peak'] / 2**20:>15.1f}")
            print(f"         {timed['summary']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", nargs="*", type=Path, help="dump directories (default: beer and ai)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(str(args.child), args.url, args.traced)))
        return
    run(args.dumps or [DUMPS / "beer", DUMPS / "ai"])


if __name__ == "__main__":
    main()
