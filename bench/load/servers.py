"""The servers of the load benchmark (the forum and the bare reference, under the same gunicorn
settings), logging in, and finding the pages to measure."""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from bench.load.data import BENCH_PASSWORD, BENCH_USER, BIN, OUT, ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """``gunicorn -w N [-k CLASS] APP`` on a free loopback port, production settings."""

    def __init__(self, app: str, database_url: str, workers: int, name: str, worker_class: str = "sync",
                 extra_env: dict | None = None, port: int | None = None):
        self.port = port or free_port()  # a port again: the same server restarted
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "FORUM_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
               "DATABASE_URL": database_url, "SESSION_COOKIE_SECURE": "0",
               # As in production: the public origin is configured (the warm-up caches pages under it).
               "PUBLIC_URL": self.base, **(extra_env or {})}
        env.pop("REDIS_URL", None)
        self.log_path = OUT / f"gunicorn-{name}.log"
        self._log = open(self.log_path, "w")
        args = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--log-level", "warning"]
        if worker_class != "sync":
            args += ["-k", worker_class]
        self.proc = subprocess.Popen([*args, app], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout: float = 90) -> None:
        """Until a worker answers; a missing static file is answered without touching the app's views."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + "/static/none.txt", timeout=2):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> int:
        """Stop it; returns how many tracebacks it logged."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()
        return self.log_path.read_text(errors="replace").count("Traceback")


def fetch(url: str, cookie: str | None = None) -> tuple[int, str, bytes]:
    """(status, final url after redirects, body)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.geturl(), r.read()
    except urllib.error.HTTPError as err:
        return err.code, url, b""


def login(base: str) -> str:
    """Log the benchmark's staff user in through the real form; returns the Cookie header value."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": BENCH_USER, "password": BENCH_PASSWORD, "csrf_token": token}).encode()
    opener.open(base + "/login", data=form, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "session" not in cookies:
        raise RuntimeError("login failed: no session cookie")
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, final, body = fetch(base + "/settings", cookie)
    if status != 200 or "/login" in final:
        raise RuntimeError(f"login did not stick ({status} {final})")
    return cookie


def pages(base: str, database_url: str) -> list[tuple[str, str, bool]]:
    """(label, path, anonymous too) of every page the issue names, found in this database; pages
    of features that do not exist (yet) are left out."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            mid = conn.scalar(text("SELECT (min(id) + max(id)) / 2 FROM questions")) or 0
            question = conn.scalar(text(
                "SELECT id FROM questions WHERE visibility = 'public' AND deleted_at IS NULL "
                "AND answer_count >= 2 AND id >= :mid ORDER BY id LIMIT 1"), {"mid": mid})
            tag = conn.scalar(text("SELECT name FROM tags ORDER BY public_count DESC, id LIMIT 1"))
            user = conn.scalar(text(
                "SELECT a.author_id FROM answers a JOIN questions q ON q.id = a.question_id "
                "WHERE q.visibility = 'public' AND a.author_id IS NOT NULL "
                "GROUP BY a.author_id ORDER BY count(*) DESC LIMIT 1"))
    finally:
        engine.dispose()
    status, final, _ = fetch(f"{base}/questions/{question}")
    found = [("list /", "/", True), ("question page", urllib.parse.urlsplit(final).path, True),
             ("search", "/search?" + urllib.parse.urlencode({"q": tag}), True), ("tags", "/tags", True),
             ("user page", f"/users/{user}", True), ("expert directory", "/experts", True),
             ("notifications", "/notifications", False)]
    if fetch(base + "/kb")[0] == 200:
        found.append(("KB home", "/kb/", True))  # /kb redirects here
        status, _, body = fetch(base + "/api/v1/articles?per_page=1")
        match = re.search(rb'"url":\s*"([^"]+)"', body) if status == 200 else None
        if match:
            found.append(("article page", urllib.parse.urlsplit(match.group(1).decode()).path, True))
    found.append(("API list", "/api/v1/questions", True))
    return found
