"""The after-commit queue runs once, after the outermost commit, never when a SAVEPOINT is
released or rolled back (the points ledger inserts inside SAVEPOINTs). Running it at a
SAVEPOINT made the search indexer wait 30 s for the write lock its own request held."""
from sqlalchemy import text

from app.db import after_commit


def test_queue_waits_for_the_outer_commit_across_savepoints(db):
    ran = []
    session = db.session
    session.execute(text("SELECT 1"))
    after_commit(session, ran.append, "indexed")
    with session.begin_nested():
        session.execute(text("SELECT 2"))
    try:
        with session.begin_nested():
            raise ValueError("a duplicate points entry, say")
    except ValueError:
        pass
    assert ran == []  # neither the released nor the rolled-back SAVEPOINT ran or dropped it
    session.commit()
    assert ran == ["indexed"]


def test_queue_is_dropped_when_the_outer_transaction_rolls_back(db):
    ran = []
    db.session.execute(text("SELECT 1"))
    after_commit(db.session, ran.append, "never")
    db.session.rollback()
    db.session.commit()
    assert ran == []
