"""The page cache on PostgreSQL (issue 12): the content version is a sequence, read on a pooled
autocommit connection before the view (or through the request's own transaction when it holds
one); a repeat look runs one statement, a write shows on the next request."""
from __future__ import annotations

import pytest
from factories import ask
from sqlalchemy import event

from app.cache import cache_of
from app.cache.version import SequenceVersion
from app.extensions import db

pytestmark = pytest.mark.postgres


def test_the_sequence_is_read_with_or_without_the_requests_transaction(app, make_user):
    versions = cache_of(app).versions
    assert isinstance(versions, SequenceVersion)
    outside = versions.read(db.session)
    assert isinstance(outside, int)
    ask(make_user("staff"))  # a commit: the version moves
    db.session.execute(db.text("SELECT 1"))  # a transaction is open: read through it
    inside = versions.read(db.session)
    assert inside > outside
    db.session.rollback()


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
    assert [s.split()[0] for s in statements] == ["SELECT"] and "content_version" in statements[0]
    assert "Overdraft fee refund rules" in again
    ask(asker, title="Overdraft fee refund for students")
    assert "for students" in client.get("/").get_data(as_text=True)
