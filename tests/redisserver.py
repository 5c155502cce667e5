"""A throwaway Redis server on a free loopback port, for tests marked ``redis``.

Follows tests/postgres/pgserver.py: the fixture starts ``redis-server`` (Debian package
``redis-server``) without persistence and stops it afterwards. When it cannot, the tests fail
under CI (``CI`` set) and are skipped, with the reason, on a developer's machine.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


class RedisUnavailable(RuntimeError):
    """No way to start a server here; the message says why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A loopback port nothing listens on (free a moment ago): 'Redis is down'."""
    return free_port()


class RedisServer:
    """``with RedisServer() as r: r.url()``: in memory only, removed on stop."""

    def __init__(self):
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.tmp: Path | None = None

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists()
                                                  else None)
        if binary is None:
            raise RedisUnavailable("redis-server not found; install the Debian package 'redis-server'")
        self.tmp = Path(tempfile.mkdtemp(prefix="qaforum-redis-"))
        for _attempt in range(5):  # a port can be taken between choosing and binding
            self.port = free_port()
            self.proc = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.tmp), "--daemonize", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self._wait_ready():
                return self
            self.proc.kill()
            self.proc.wait()
        self.stop()
        raise RedisUnavailable("redis-server did not start")

    def _wait_ready(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            conn.recv(16)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def unavailable(reason: str):
    """Fail under CI, skip with the reason on a developer's machine."""
    reason = f"Redis is not available: {reason}"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)
