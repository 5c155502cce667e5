"""The page cache on PostgreSQL (issue 12): the content version is a sequence, read before the view
on a connection of the process's own in autocommit (never a pool connection, never the request's
transaction); a repeat look runs no statement through the engine, a write shows on the next
request."""
from __future__ import annotations

import pytest
from factories import ask
from sqlalchemy import event

from app.cache import cache_of
from app.cache.version import SequenceVersion
from app.extensions import db

pytestmark = pytest.mark.postgres


def test_the_sequence_is_read_on_its_own_connection_even_inside_a_transaction(app, make_user):
    versions = cache_of(app).versions
    assert isinstance(versions, SequenceVersion)
    outside = versions.read()
    assert isinstance(outside, int)
    db.session.execute(db.text("SELECT 1"))  # the request holds a pool connection and a transaction
    checked_out = db.engine.pool.checkedout()
    with app.app_context():  # another unit of work commits meanwhile
        ask(make_user("staff"))
    inside = versions.read()
    assert inside > outside  # seen at once: not the snapshot of an open transaction
    assert db.engine.pool.checkedout() == checked_out  # and no second pool connection taken
    db.session.rollback()


def test_a_lost_connection_is_replaced_without_a_miss(app):
    versions = cache_of(app).versions
    before = versions.read()
    with db.engine.connect() as conn:  # the server ends the version connection (restart, idle timeout)
        conn.execute(db.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND query LIKE '%content_version%'"))
    versions.bump()
    assert versions.read() > before
    db.engine.dispose()  # closes it with the pool
    assert versions.read() > before  # and it opens again when asked


def test_a_repeat_look_is_one_statement_and_a_write_shows_at_once(app, client, make_user):
    asker = make_user("staff")
    ask(asker, title="Overdraft fee refund rules")
    assert "Overdraft fee refund rules" in client.get("/").get_data(as_text=True)
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        again = client.get("/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements == []  # the version is read on its own connection, outside the engine
    assert "Overdraft fee refund rules" in again
    ask(asker, title="Overdraft fee refund for students")
    assert "for students" in client.get("/").get_data(as_text=True)


def test_the_cache_file_tells_a_database_created_again_from_the_old_one(app, postgres_url, tmp_path):
    """Without Redis, PostgreSQL's page cache file is keyed by the database's identity (its oid and
    the server's start time): a database dropped and created under the same name starts its
    content versions again, and must find none of the old one's pages."""
    import uuid

    from sqlalchemy import create_engine, make_url, text

    from app.cache.disk import DiskStore, database_identity

    identity = database_identity(db.engine)
    assert identity.startswith("pg") and database_identity(db.engine) == identity
    name = "qaforum_identity_" + uuid.uuid4().hex[:8]
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    identities = []
    try:
        for _ in range(2):
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            engine = create_engine(make_url(postgres_url).set(database=name))
            identities.append(database_identity(engine))
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
    assert identities[0] != identities[1]
    old, new = (DiskStore(tmp_path / "cache", lambda i=i: i) for i in identities)
    old.set("page:v1", "the old database's page", 60)
    assert old.get("page:v1") and new.get("page:v1") is None
