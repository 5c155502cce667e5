"""Load benchmark: gunicorn (2 workers) on loopback, measured with wrk.

    .venv/bin/python bench/load/run.py                       # both sizes, SQLite, 1 and 8 clients
    .venv/bin/python bench/load/run.py --sizes beer --db postgres --duration 5

For each data size it builds a database, serves it with ``gunicorn -w 2 -b 127.0.0.1:PORT wsgi:app``
(FORUM_ENV=production, a random SECRET_KEY) and drives three anonymous GET routes:
the list page ``/``, one question page and the API list ``/api/v1/questions``, each with 1 and
with 8 concurrent connections. It prints req/s, p50 and p99 (and any non-2xx answers) as a table
and saves it as JSON in bench/out/. It asserts nothing: the figures go into the closing note.

Sizes: ``beer`` imports the Stack Exchange beer dump from ../shared/data/stackexchange/beer with
``flask qa import-stackexchange`` (import time and peak memory are reported too); if that command
is not available it generates 1,029 questions instead and says so. A number (``100000``) generates
that many questions with bench/gen_data.py. Generated databases are cached in bench/out/ and
reused unless --fresh.

wrk comes from the Debian package ``wrk`` (installed here with apt-get when missing and running
as root); without it, locust (in the dev dependencies) is used.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
BEER = ROOT.parent / "shared" / "data" / "stackexchange" / "beer"
BEER_FALLBACK_QUESTIONS = 1029
sys.path.insert(0, str(ROOT))


def log(msg: str) -> None:
    print(msg, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(database_url: str, *args: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "FORUM_ENV": "development"}
    proc = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, text=True,
                          capture_output=capture)
    if check and proc.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


# --- databases -------------------------------------------------------------------------------------
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


# --- server ----------------------------------------------------------------------------------------
class Gunicorn:
    def __init__(self, database_url: str, workers: int, name: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "FORUM_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
               "DATABASE_URL": database_url}
        env.pop("REDIS_URL", None)
        self.log_path = OUT / f"gunicorn-{name}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "wsgi:app"], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + "/static/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # any HTTP answer means the workers are up
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def fetch(url: str) -> tuple[int, str, bytes]:
    """(status, final url after redirects, body)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.geturl(), r.read()
    except urllib.error.HTTPError as err:
        return err.code, url, b""


def pick_question(base: str, database_url: str) -> str:
    """A public question with answers near the middle of the id range, as its canonical URL."""
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            mid = conn.scalar(text("SELECT (min(id) + max(id)) / 2 FROM questions"))
            qid = conn.scalar(text(
                "SELECT id FROM questions WHERE visibility = 'public' AND deleted_at IS NULL "
                "AND answer_count >= 2 AND id >= :mid ORDER BY id LIMIT 1"), {"mid": mid or 0})
            if qid is None:
                qid = conn.scalar(text("SELECT max(id) FROM questions WHERE visibility = 'public'"))
    finally:
        engine.dispose()
    status, final, _ = fetch(f"{base}/questions/{qid}")
    path = urllib.parse.urlsplit(final).path if status == 200 else f"/questions/{qid}"
    return path


# --- load generators -------------------------------------------------------------------------------
def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found or os.geteuid() != 0:
        return found
    log("installing wrk (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True)
    return shutil.which("wrk")


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    return float(m.group(1)) * _UNIT[m.group(2)] if m else float("nan")


def run_wrk(wrk: str, url: str, clients: int, duration: int) -> dict:
    threads = min(clients, 2)
    proc = subprocess.run([wrk, f"-t{threads}", f"-c{clients}", f"-d{duration}s", "--timeout", "10s", "--latency",
                           url], capture_output=True, text=True, timeout=duration + 60)
    out = proc.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if not total or int(total.group(1)) == 0:
        # wrk reports zero latencies when nothing completed: say so instead.
        return {"rps": 0.0, "p50_ms": float("nan"), "p99_ms": float("nan"), "requests": 0, "non_2xx": 0,
                "socket_errors": f"no request completed within {duration}s"}
    return {"rps": float(rps.group(1)) if rps else float("nan"),
            "p50_ms": _ms(p50.group(1)) if p50 else float("nan"),
            "p99_ms": _ms(p99.group(1)) if p99 else float("nan"),
            "requests": int(total.group(1)) if total else 0,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(0) if errors else ""}


def run_locust(base: str, path: str, clients: int, duration: int) -> dict:
    prefix = OUT / f"locust-{clients}"
    env = {**os.environ, "BENCH_PATH": path}
    subprocess.run([str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
                    "-u", str(clients), "-r", str(clients), "-t", f"{duration}s", "--host", base,
                    "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                   cwd=ROOT, env=env, capture_output=True, text=True, timeout=duration + 120)
    import csv
    with open(f"{prefix}_stats.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    return {"rps": float(row["Requests/s"]), "p50_ms": float(row["50%"]), "p99_ms": float(row["99%"]),
            "requests": int(row["Request Count"]), "non_2xx": int(row["Failure Count"]), "socket_errors": ""}


def _fmt(ms: float) -> str:
    return "n/a" if ms != ms else f"{ms:.1f}"  # NaN when nothing completed


# --- main ------------------------------------------------------------------------------------------
def machine() -> str:
    mem = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} cores{mem}, {platform.system()} {platform.machine()}, Python {platform.python_version()}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="beer,100000", help="comma list: beer and/or question counts")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", default="1,8", help="comma list of concurrent connections")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each route")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--tool", choices=("auto", "wrk", "locust"), default="auto")
    parser.add_argument("--fresh", action="store_true", help="rebuild cached SQLite databases")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    clients = [int(c) for c in args.clients.split(",")]

    wrk = ensure_wrk() if args.tool in ("auto", "wrk") else None
    if args.tool == "wrk" and not wrk:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    tool = "wrk" if wrk else "locust"
    log(f"machine: {machine()}; load tool: {tool}; gunicorn -w {args.workers}; database: {args.db}")

    rows, datasets = [], []
    dbs = Databases(args.db, args.fresh)
    try:
        for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
            info = build_beer(dbs) if size == "beer" else build_generated(dbs, int(size))
            datasets.append({k: v for k, v in info.items() if k != "url"})
            server = Gunicorn(info["url"], args.workers, re.sub(r"\W+", "-", info["label"]).strip("-"))
            try:
                server.wait_ready()
                routes = [("list page /", "/"),
                          ("question page", pick_question(server.base, info["url"])),
                          ("API list", "/api/v1/questions")]
                for label, path in routes:
                    url = server.base + path
                    status, _, body = fetch(url)
                    log(f"[{info['label']}] {label}: GET {path} -> {status}, {len(body):,} bytes")
                    for n in clients:
                        if args.warmup:
                            (run_wrk(wrk, url, n, args.warmup) if wrk else
                             run_locust(server.base, path, n, args.warmup))
                        r = run_wrk(wrk, url, n, args.duration) if wrk else \
                            run_locust(server.base, path, n, args.duration)
                        r.update(size=info["label"], questions=info.get("questions"), route=label, path=path,
                                 clients=n, status=status)
                        rows.append(r)
                        log(f"    {n} client(s): {r['rps']:.1f} req/s, p50 {_fmt(r['p50_ms'])} ms, "
                            f"p99 {_fmt(r['p99_ms'])} ms{', non-2xx ' + str(r['non_2xx']) if r['non_2xx'] else ''}"
                            f"{' ' + r['socket_errors'] if r['socket_errors'] else ''}")
            finally:
                server.stop()
                errors = server.log_path.read_text(errors="replace").count("Traceback")
                if errors:
                    log(f"  !! {errors} server errors (tracebacks) in {server.log_path.relative_to(ROOT)}")
                datasets[-1]["server_errors"] = errors
    finally:
        dbs.close()

    print()
    print(f"Load benchmark: gunicorn -w {args.workers} on 127.0.0.1, {args.db}, {tool} "
          f"{args.duration}s per cell, machine {machine()}")
    header = f"{'data':<44} {'route':<15} {'clients':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  note"
    print(header)
    print("-" * len(header))
    for r in rows:
        note = f"HTTP {r['status']}" if r["status"] != 200 else ""
        if r["non_2xx"]:
            note += f" {r['non_2xx']} non-2xx"
        if r["socket_errors"]:
            note += " " + r["socket_errors"]
        print(f"{r['size']:<44} {r['route']:<15} {r['clients']:>7} {r['rps']:>9.1f} {_fmt(r['p50_ms']):>8} "
              f"{_fmt(r['p99_ms']):>8}  {note.strip()}")
    for d in datasets:
        extra = ""
        if "import_seconds" in d:
            extra = (f": import {d['import_seconds']}s, {d['import_posts_per_s']} posts/s, "
                     f"peak RSS {d['import_peak_rss_mib']} MiB")
        if d.get("server_errors"):
            extra += f"; {d['server_errors']} server errors logged"
        print(f"  {d['label']}: {d.get('questions')} questions, {d.get('answers')} answers{extra}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = OUT / f"load-{args.db}-{stamp}.json"
    out.write_text(json.dumps({"machine": machine(), "db": args.db, "tool": tool, "workers": args.workers,
                               "duration_s": args.duration, "datasets": datasets,
                               "rows": [{k: (None if v != v else v) for k, v in r.items()} for r in rows]}, indent=2,
                              ensure_ascii=False))
    print(f"saved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
