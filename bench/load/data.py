"""Databases for the load benchmark: the imported beer dump or generated data, on SQLite (cached
in bench/out/) or on a throwaway PostgreSQL, plus the benchmark's logged-in user."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
BEER = ROOT.parent / "shared" / "data" / "stackexchange" / "beer"
BEER_FALLBACK_QUESTIONS = 1029
BENCH_USER, BENCH_PASSWORD = "bench_staff", "bench-password-1"
sys.path.insert(0, str(ROOT))


def log(msg: str) -> None:
    print(msg, flush=True)


def flask(database_url: str, *args: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "FORUM_ENV": "development", "SCHEDULER_ENABLED": "0"}
    proc = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, text=True,
                          capture_output=capture)
    if check and proc.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


# --- databases ------------------------------------------------------------------------------------
class Databases:
    """Hands out database URLs: SQLite files in bench/out, or databases on a throwaway PostgreSQL."""

    def __init__(self, kind: str, fresh: bool):
        self.kind, self.fresh, self.pg = kind, fresh, None
        if kind == "postgres":
            from tests.postgres.pgserver import PostgresServer
            # Durable like a real server: fsync on, so writes (none here) would cost what they cost.
            self.pg = PostgresServer(durable=True).start()
            log(f"PostgreSQL on 127.0.0.1:{self.pg.port}")

    def new(self, name: str) -> tuple[str, bool]:
        """(url, already_populated)."""
        if self.pg is not None:
            return self.pg.create_database(name), False
        path = OUT / f"{name}.db"
        done = path.with_suffix(".done")
        if not self.fresh and path.exists() and done.exists():
            return f"sqlite:///{path}", True
        for p in (path, done, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return f"sqlite:///{path}", False

    def mark_done(self, name: str, info: dict) -> None:
        if self.pg is None:
            (OUT / f"{name}.done").write_text(json.dumps(info))

    def cached_info(self, name: str) -> dict:
        done = OUT / f"{name}.done"
        return json.loads(done.read_text()) if self.pg is None and done.exists() else {}

    def close(self) -> None:
        if self.pg is not None:
            self.pg.stop()


def count_posts(url: str) -> tuple[int, int]:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return (conn.scalar(text("SELECT count(*) FROM questions")),
                    conn.scalar(text("SELECT count(*) FROM answers")))
    finally:
        engine.dispose()


def importer_available() -> bool:
    proc = flask("sqlite://", "qa", "--help", check=False)
    return "import-stackexchange" in (proc.stdout or "")


def build_beer(dbs: Databases) -> dict:
    if not importer_available():
        log(f"'flask qa import-stackexchange' is not available: generating {BEER_FALLBACK_QUESTIONS:,} "
            "questions instead of the beer dump")
        info = build_generated(dbs, BEER_FALLBACK_QUESTIONS, name="beer-fallback")
        info["label"] = f"generated {BEER_FALLBACK_QUESTIONS:,} (beer size; importer not ready)"
        return info
    url, cached = dbs.new("beer")
    if cached:
        info = dbs.cached_info("beer")
        info["url"] = url
        log(f"reusing {url} ({info.get('questions')} questions)")
        return info
    log(f"importing {BEER} into {url}")
    flask(url, "db", "upgrade")
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "qa", "import-stackexchange", str(BEER)],
                            cwd=ROOT, env={**os.environ, "DATABASE_URL": url, "FORUM_ENV": "development"},
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read()
    # wait4 gives this child's own peak resident set size (KiB on Linux).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"import failed ({proc.returncode}):\n{output[-3000:]}")
    peak_kib = usage.ru_maxrss
    questions, answers = count_posts(url)
    info = {"label": "beer dump (imported)", "questions": questions, "answers": answers,
            "import_seconds": round(took, 2), "import_posts_per_s": round((questions + answers) / took, 1),
            "import_peak_rss_mib": round(peak_kib / 1024, 1)}
    log(f"imported {questions:,} questions and {answers:,} answers in {took:.1f}s "
        f"({info['import_posts_per_s']:,} posts/s, peak RSS {info['import_peak_rss_mib']} MiB)")
    dbs.mark_done("beer", info)
    info["url"] = url
    return info


def build_generated(dbs: Databases, n: int, name: str | None = None) -> dict:
    name = name or f"gen{n}"
    url, cached = dbs.new(name)
    if cached:
        info = dbs.cached_info(name)
        info["url"] = url
        log(f"reusing {url} ({n:,} generated questions)")
        return info
    start = time.perf_counter()
    from bench.gen_data import generate
    counts = generate(url, n, seed=1, reset=True)
    info = {"label": f"generated {n:,}", "questions": counts["questions"], "answers": counts["answers"],
            "generate_seconds": round(time.perf_counter() - start, 1)}
    dbs.mark_done(name, info)
    info["url"] = url
    return info




def ensure_articles(url: str) -> None:
    """Published knowledge-base articles (bench/load/articles.py), so that an article page is measured."""
    env = {**os.environ, "DATABASE_URL": url, "FORUM_ENV": "development", "SCHEDULER_ENABLED": "0",
           "JOBS_MODE": "inline"}
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "load" / "articles.py")], cwd=ROOT, env=env,
                          text=True, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"could not publish the bench articles:\n{proc.stdout}\n{proc.stderr}")


def ensure_bench_user(url: str) -> None:
    """A staff member with a password (the importer's authors cannot log in), on a team, so the
    logged-in figures include team visibility."""
    flask(url, "db", "upgrade")
    proc = flask(url, "qa", "create-user", BENCH_USER, "--role", "staff", "--team", "bench-team",
                 "--password", BENCH_PASSWORD, check=False)
    if proc.returncode != 0 and "taken" not in (proc.stdout + proc.stderr):
        raise RuntimeError(f"could not create {BENCH_USER}:\n{proc.stdout}\n{proc.stderr}")
