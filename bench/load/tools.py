"""Load generators for the benchmark: wrk (Debian package), locust as the fallback."""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from pathlib import Path

from bench.load.data import BIN, OUT, ROOT, log


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


def run_wrk(wrk: str, url: str, clients: int, duration: int, cookie: str | None = None) -> dict:
    threads = min(clients, 2)
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    proc = subprocess.run([wrk, f"-t{threads}", f"-c{clients}", f"-d{duration}s", "--timeout", "10s", "--latency",
                           *headers, url], capture_output=True, text=True, timeout=duration + 60)
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


def run_locust(base: str, path: str, clients: int, duration: int, cookie: str | None = None) -> dict:
    prefix = OUT / f"locust-{clients}"
    env = {**os.environ, "BENCH_PATH": path, "BENCH_COOKIE": cookie or ""}
    subprocess.run([str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
                    "-u", str(clients), "-r", str(clients), "-t", f"{duration}s", "--host", base,
                    "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                   cwd=ROOT, env=env, capture_output=True, text=True, timeout=duration + 120)
    with open(f"{prefix}_stats.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    return {"rps": float(row["Requests/s"]), "p50_ms": float(row["50%"]), "p99_ms": float(row["99%"]),
            "requests": int(row["Request Count"]), "non_2xx": int(row["Failure Count"]), "socket_errors": ""}


def _fmt(ms: float) -> str:
    return "n/a" if ms != ms else f"{ms:.1f}"  # NaN when nothing completed

