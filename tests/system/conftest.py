"""Fixtures of the ``system`` suite: prepared databases and real servers (``make test-system``).

The database is SQLite unless ``TEST_DATABASE_URL`` names a PostgreSQL server (``.ci/run``'s
PostgreSQL section sets it). A server or program the suite needs (nginx, redis-server, that
PostgreSQL) that cannot be had fails the test under CI and skips it, with the reason, on a
developer's machine.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

from tests.system.databases import Databases, Population
from tests.system.servers import Server


def unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def require_programs(kind: str) -> None:
    """The topology needs nginx and redis-server (Debian packages of the same names)."""
    if kind != "topology":
        return
    nginx = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx")
    if not nginx:
        unavailable("nginx is not installed (Debian package nginx): the production topology cannot start")
    if not shutil.which("redis-server"):
        unavailable("redis-server is not installed (Debian package redis-server): the production topology "
                    "needs Redis between its instances")


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if not url.startswith("postgresql"):
            pytest.fail(f"TEST_DATABASE_URL must be a postgresql+psycopg:// URL, got {url!r}", pytrace=False)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 -- any connection failure means no server
            unavailable(f"cannot connect to TEST_DATABASE_URL ({exc.__class__.__name__}: {exc})")
        finally:
            engine.dispose()
    dbs = Databases(tmp_path_factory.mktemp("system-db"), url)
    yield dbs
    dbs.drop_all()


@dataclass
class Template:
    url: str
    people: Population


@pytest.fixture(scope="session")
def plain_template(databases) -> Template:
    """Migrations, the admin (via the CLI) and the harness's users and tokens."""
    url, population = databases.template("plain")
    return Template(url, Population.load(population))


@pytest.fixture(scope="session")
def imported_template(databases) -> Template:
    """The same on an imported real site: the beer dump, 1,029 questions (see its NOTICE.md)."""
    url, population = databases.template("beer", dump="beer")
    return Template(url, Population.load(population))


@dataclass
class Served:
    """A running server with its own copy of a template."""
    server: Server
    database_url: str
    people: Population

    @property
    def url(self) -> str:
        return self.server.url

    def report(self, *parts: str) -> str:
        """A failure message: what the clients saw, what was found, and the servers' logs."""
        header = f"server: {self.server.kind} on {self.database_url.split(':')[0]}"
        return "\n\n".join([header, *parts, self.server.logs()])


@pytest.fixture(scope="module")
def serve(databases, tmp_path_factory):
    """serve(kind, template, **env) -> Served, started once per module for the same arguments
    (so fixtures asking for the same server share it); all are stopped when the module ends."""
    started: dict[tuple, Served] = {}

    def start(kind: str, template: Template, **env: str) -> Served:
        key = (kind, template.url, tuple(sorted(env.items())))
        if key not in started:
            require_programs(kind)
            url = databases.clone(template.url, f"{kind}_{len(started)}")
            server = Server(kind, url, tmp_path_factory.mktemp(kind), env_extra=env)
            server.start()
            started[key] = Served(server, url, template.people)
        return started[key]

    yield start
    for served in reversed(list(started.values())):
        served.server.stop()
