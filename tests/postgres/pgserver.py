"""A throwaway PostgreSQL server on a free loopback port (initdb into a temp dir).

Used by tests/postgres/conftest.py when TEST_DATABASE_URL is not set, and by bench/load.
Stdlib only. As root, initdb refuses to run, so the cluster belongs to the ``postgres``
system user (created by Debian's postgresql package) and its commands run via runuser.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No way to start a server here; the message says why."""


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/*/bin with initdb, or the directory of initdb on PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; "
                              "install the Debian package 'postgresql'.")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """``with PostgresServer() as pg: pg.url("dbname")``. Data lives in a temp dir removed on stop.

    Durability is switched off (fsync, synchronous_commit): the data is disposable and
    tests then spend their time on queries, not on disk flushes.
    """

    def __init__(self, superuser: str = "postgres", durable: bool = False):
        self.superuser = superuser
        self.durable = durable
        self.port: int | None = None
        self.tmp: Path | None = None
        self._run_as: list[str] = []

    # --- lifecycle -----------------------------------------------------------
    def start(self) -> "PostgresServer":
        bindir = find_bindir()
        self.tmp = Path(tempfile.mkdtemp(prefix="qaforum-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable("running as root and there is no 'postgres' user to own the "
                                          "cluster (install the Debian package 'postgresql')") from exc
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresUnavailable("running as root and runuser is missing")
            os.chown(self.tmp, owner.pw_uid, owner.pw_gid)
            self._run_as = [runuser, "-u", "postgres", "--"]
        data, sock, log = self.tmp / "data", self.tmp / "sock", self.tmp / "server.log"
        self._run([str(bindir / "initdb"), "-D", str(data), "-U", self.superuser, "--auth=trust",
                   "-E", "UTF8", "--no-locale", "--no-sync"])
        self._run(["mkdir", "-p", str(sock)])
        options = [f"-c listen_addresses=127.0.0.1", f"-k {sock}", "-c max_connections=200",
                   "-c shared_buffers=256MB"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        # A port can be taken between choosing and binding; try a few.
        for _attempt in range(5):
            self.port = free_port()
            proc = self._run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                              "-o", " ".join(options + [f"-p {self.port}"]), "start"], check=False)
            if proc.returncode == 0:
                self._bindir = bindir
                return self
            time.sleep(0.2)
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else proc.stderr
        self._cleanup()
        raise PostgresUnavailable(f"pg_ctl start failed: {tail}")

    def stop(self) -> None:
        if self.tmp is None:
            return
        data = self.tmp / "data"
        if (data / "postmaster.pid").exists():
            self._run([str(self._bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                      check=False)
        self._cleanup()

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- use -----------------------------------------------------------------
    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{self.superuser}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name``; returns its SQLAlchemy URL."""
        import psycopg  # imported here so the module stays importable without it

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.superuser, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    # --- helpers -------------------------------------------------------------
    def _run(self, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(self._run_as + cmd, capture_output=True, text=True, cwd="/")
        if check and proc.returncode != 0:
            self._cleanup()
            raise PostgresUnavailable(f"{' '.join(cmd[:1])} failed ({proc.returncode}): "
                                      f"{(proc.stderr or proc.stdout)[-2000:]}")
        return proc

    def _cleanup(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
