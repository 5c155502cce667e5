"""`make run` seeds the demo with the real command, in a process of its own: no request and no
test context around it, so anything the demo triggers (notifications about articles and badges,
routing, points) must work as a CLI command does."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"


def run(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "FORUM_ENV": "development", "SCHEDULER_ENABLED": "0"}
    env.pop("REDIS_URL", None)
    return subprocess.run([str(FLASK), "--app", "wsgi", *args], cwd=ROOT, env=env, text=True, capture_output=True,
                          timeout=300)


def test_flask_qa_seed_demo_runs_as_make_run_runs_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert run(url, "db", "upgrade").returncode == 0
    seeded = run(url, "qa", "seed-demo")
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "Demo data created" in seeded.stdout
    verified = run(url, "points", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    again = run(url, "qa", "seed-demo")
    assert again.returncode == 0 and "already has users" in again.stdout
