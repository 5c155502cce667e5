"""``flask search reindex`` and ``flask search evaluate``, and the search migrations (0003, 0006)."""
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app
from app.importer.loader import import_dump
from app.search import get_backend, service
from config import TestingConfig
from tests.integration.test_importer import dump  # noqa: F401  (fixture: a small dump)

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def test_reindex_rebuilds_from_the_database(app, db, dump):  # noqa: F811
    import_dump(db.session, dump)  # the importer sends no signals: nothing is indexed yet
    db.session.commit()
    assert service.search(db.session, get_backend(), q="citra", user=None).total == 0
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 documents with embedded" in result.output
    assert service.search(db.session, get_backend(), q="citra hops", user=None).total == 2


def test_evaluate_prints_the_figures_next_to_the_reference(app, dump):  # noqa: F811
    result = app.test_cli_runner().invoke(args=["search", "evaluate", str(dump), "--json"])
    assert result.exit_code == 0, result.output
    assert "known-item MRR" in result.output and "duplicate MRR" in result.output
    assert '"duplicate_pairs": 1' in result.output and '"reference"' in result.output


def test_migration_0003_matches_the_models_and_downgrades(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app.extensions import db

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("search_logs")}
            fks = sa.inspect(conn).get_foreign_keys("search_synonyms")
        assert [d for d in diffs if "search" in str(d)] == []
        assert {"search_logs", "search_synonyms"} <= tables
        assert indexes == {"ix_search_logs_created_at", "ix_search_logs_normalized_created_at", "ix_search_logs_token"}
        assert fks[0]["name"] == "fk_search_synonyms_created_by_id_users"
        downgrade(directory=str(MIGRATIONS), revision="0002")
        with db.engine.connect() as conn:
            assert not {"search_logs", "search_synonyms"} & set(sa.inspect(conn).get_table_names())
        db.engine.dispose()


def test_migration_0006_adds_a_unique_token_and_downgrades(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app.extensions import db

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="0006")
        with db.engine.connect() as conn:
            token = next(i for i in sa.inspect(conn).get_indexes("search_logs") if i["name"] == "ix_search_logs_token")
            assert token["unique"] and token["column_names"] == ["token"]
        downgrade(directory=str(MIGRATIONS), revision="0005")
        with db.engine.connect() as conn:
            assert "token" not in {c["name"] for c in sa.inspect(conn).get_columns("search_logs")}
        db.engine.dispose()
