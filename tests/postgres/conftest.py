"""PostgreSQL fixtures for tests marked ``postgres`` (``make test-postgres``, ``.ci/run``).

The server comes from TEST_DATABASE_URL when it is set (``.ci/run`` starts one and sets it);
otherwise a throwaway server is started here (initdb into a temp dir on a free loopback port).
When neither works the tests fail under CI and are skipped, with the reason, on a developer's
machine: the one conditional skip the project allows.

Each test module gets a fresh database; each test that uses ``app`` gets freshly created tables.
``app`` here overrides the root conftest's SQLite ``app`` for this directory only, so the root's
``db``, ``client``, ``make_user``, ``login`` and ``token_for`` fixtures run against PostgreSQL.
"""
from __future__ import annotations

import os
import re
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db as _db
from config import TestingConfig
from tests.postgres.pgserver import PostgresServer, PostgresUnavailable

# Enough connections for the concurrency tests' threads, each holding one.
ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 30, "max_overflow": 10, "pool_timeout": 60}


def _unavailable(reason: str):
    reason = (f"PostgreSQL is not available: {reason} -- set TEST_DATABASE_URL=postgresql+psycopg://... "
              "or install the Debian package 'postgresql' so the tests can start a server.")
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a PostgreSQL database this session may create databases from (or reset)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if not url.startswith("postgresql"):
            pytest.fail(f"TEST_DATABASE_URL must be a postgresql+psycopg:// URL for these tests, got {url!r}",
                        pytrace=False)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 -- any connection failure means no server
            _unavailable(f"cannot connect to TEST_DATABASE_URL ({exc.__class__.__name__}: {exc})")
        finally:
            engine.dispose()
        yield url
        return
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as exc:
        _unavailable(str(exc))
    try:
        yield server.url()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pg_database_url(postgres_url, request):
    """A fresh, empty database for this test module, dropped afterwards.

    Falls back to emptying the ``public`` schema of the given database when its role may not
    CREATE DATABASE.
    """
    base = make_url(postgres_url)
    name = "qaforum_" + re.sub(r"\W", "_", request.module.__name__.rsplit(".", 1)[-1])[:40] \
        + "_" + uuid.uuid4().hex[:8]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 -- no CREATEDB privilege: reuse the given database
        with admin.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        admin.dispose()
        yield base.render_as_string(hide_password=False)
        return
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(pg_database_url):
    """The application bound to this module's PostgreSQL database, with freshly created tables."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=pg_database_url,
                     SQLALCHEMY_ENGINE_OPTIONS=ENGINE_OPTIONS)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()
