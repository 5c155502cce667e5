"""Alembic migrations on PostgreSQL: from empty to head through the real CLI, the result
matches the models, and ``db downgrade base`` undoes every step."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app import create_app
from app.extensions import db
from config import TestingConfig

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def flask_cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """``flask --app wsgi ARGS`` in a subprocess, as a deployer runs it."""
    env = {**os.environ, "DATABASE_URL": database_url, "FORUM_ENV": "development"}
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"flask {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def schema_differences(database_url: str) -> list:
    """Alembic autogenerate's view of what the database lacks relative to the models."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                return compare_metadata(context, db.metadata)
        finally:
            db.engine.dispose()


def table_names(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_matches_models_and_downgrades_to_base(pg_database_url):
    assert table_names(pg_database_url) == set()

    flask_cli(pg_database_url, "db", "upgrade")
    tables = table_names(pg_database_url)
    assert "alembic_version" in tables and set(db.metadata.tables) <= tables
    diff = schema_differences(pg_database_url)
    assert diff == [], "migrations and models disagree on PostgreSQL (add a migration):\n" + \
        "\n".join(map(repr, diff))

    flask_cli(pg_database_url, "db", "downgrade", "base")
    assert table_names(pg_database_url) <= {"alembic_version"}

    # The downgrade left nothing behind that blocks a second upgrade (types, sequences...).
    flask_cli(pg_database_url, "db", "upgrade")
    assert schema_differences(pg_database_url) == []
