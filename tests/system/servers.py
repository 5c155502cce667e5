"""Real servers on free loopback ports, for the system tests and bench/bench_concurrency.py.

Every kind serves one prepared database (``DATABASE_URL``) with its own search index file, a
random ``SECRET_KEY`` and non-Secure cookies (the clients speak plain HTTP):

* ``flask-run``: ``flask --app wsgi run`` (threaded Werkzeug, FORUM_ENV=development), what
  ``make run`` serves;
* ``gunicorn-sync``: ``gunicorn -w 2 wsgi:app`` (sync workers, FORUM_ENV=production), the old
  production command, HTTP API only;
* ``gevent``: the documented single-process command, ``gunicorn -c deploy/gunicorn.conf.py -k
  gevent -w 1``;
* ``topology``: ``deploy/serve.py`` itself (nginx, two gevent instances, a private Redis), the
  documented production topology; its instances' own URLs are in ``instance_urls``.

Each process's output goes to a log file; :meth:`Server.logs` gives their tails for failure
messages. Stdlib only, so the benchmark can use it without pytest.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
KINDS = ("flask-run", "gunicorn-sync", "gevent", "topology")

# Variables of the caller's shell that would change what the servers do.
_SCRUB = ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI", "MEILI_URL", "MEILI_KEY",
          "SEARCH_BACKEND", "SEARCH_DB_PATH", "FLASK_APP", "FLASK_DEBUG", "FORUM_ENV", "SECRET_KEY",
          "JOBS_MODE", "QAFORUM_PROXY_HOPS")


class ServerError(RuntimeError):
    """A server did not start; the message carries its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, workdir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(DATABASE_URL=database_url, SECRET_KEY=secrets.token_hex(32), SESSION_COOKIE_SECURE="0",
               SEARCH_DB_PATH=str(workdir / "search.db"), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def flask_cli(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``flask --app wsgi ARGS`` on ``database_url`` (the documented commands, API.md)."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(DATABASE_URL=database_url, FORUM_ENV="development")
    proc = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True)
    if check and proc.returncode != 0:
        raise ServerError(f"flask {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def wait_http(url: str, alive, describe, timeout: float = 90) -> None:
    """Until ``url`` answers any HTTP status; ``alive()`` False or the timeout raise ServerError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise ServerError(f"the server exited before answering {url}\n{describe()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise ServerError(f"{url} did not answer within {timeout:.0f}s\n{describe()}")


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


class Server:
    """One running server (of any kind). ``url`` is where clients go."""

    def __init__(self, kind: str, database_url: str, workdir: Path, env_extra: dict | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown server kind {kind!r}; one of {KINDS}")
        self.kind, self.database_url = kind, database_url
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance_urls: list[str] = []
        self.redis_url: str | None = None
        self.env = server_env(database_url, self.workdir, **(env_extra or {}))
        self.log_path = self.workdir / f"{kind}.log"
        self.proc: subprocess.Popen | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> "Server":
        cmd, env = self._command()
        with open(self.log_path, "w") as out:
            # Its own session: stop() can end the whole group (gunicorn's workers, the launcher's children).
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            if self.kind == "topology":
                self._wait_topology()
            else:
                wait_http(f"{self.url}/api/v1/questions?per_page=1", self.alive, self.logs)
        except BaseException:
            self.stop()
            raise
        return self

    def _command(self) -> tuple[list[str], dict]:
        bind = f"127.0.0.1:{self.port}"
        if self.kind == "flask-run":
            return ([str(BIN / "flask"), "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(self.port)],
                    {**self.env, "FORUM_ENV": "development"})
        if self.kind == "gunicorn-sync":
            return ([str(BIN / "gunicorn"), "-w", "2", "-b", bind, "--log-level", "warning", "wsgi:app"],
                    {**self.env, "FORUM_ENV": "production"})
        if self.kind == "gevent":
            return ([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "-k", "gevent", "-w", "1", "-b", bind],
                    {**self.env, "FORUM_ENV": "production"})
        return ([sys.executable, "deploy/serve.py", "--port", str(self.port), "--instances", "2",
                 "--run-dir", str(self.workdir / "run")], {**self.env, "FORUM_ENV": "production"})

    def _wait_topology(self) -> None:
        info_path = self.workdir / "run" / "topology.json"
        deadline = time.monotonic() + 120
        while not info_path.exists():
            if not self.alive():
                raise ServerError(f"deploy/serve.py exited ({self.proc.returncode})\n{self.logs()}")
            if time.monotonic() > deadline:
                raise ServerError(f"deploy/serve.py did not finish starting\n{self.logs()}")
            time.sleep(0.2)
        info = json.loads(info_path.read_text())
        self.instance_urls = [f"http://127.0.0.1:{i['port']}" for i in info["instances"]]
        self.redis_url = info.get("redis_url")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # SIGTERM to the leader only: gunicorn's arbiter and the launcher stop their own children
        # gracefully; the group is killed if they do not within the grace period.
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- diagnostics --------------------------------------------------------------------------
    def logs(self, lines: int = 60) -> str:
        """The tail of every log of this server (the launcher's and, for the topology, each
        process's), for failure messages."""
        parts = [f"--- {self.kind} ({self.log_path}) ---\n{tail(self.log_path, lines)}"]
        run_dir = self.workdir / "run"
        if self.kind == "topology" and run_dir.exists():
            for path in sorted(run_dir.glob("*.log")):
                parts.append(f"--- {path.name} ---\n{tail(path, lines)}")
        return "\n".join(parts)
