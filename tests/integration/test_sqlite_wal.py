"""use_wal (app/db/sqlite.py): a database another connection holds is switched to WAL once it is
free, instead of failing at once ("database is locked" at a worker's start-up, issue 12's bench)."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from app.db.sqlite import use_wal


def _connect(path, busy_ms=0):
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={busy_ms}")
    return conn


def test_a_locked_switch_is_tried_again_until_the_file_is_free(tmp_path):
    path = tmp_path / "new.db"
    holder = _connect(path)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN")
    holder.execute("SELECT * FROM t").fetchall()  # a reader holds the file in rollback-journal mode
    opener = _connect(path)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        opener.execute("PRAGMA journal_mode=WAL")  # what a worker saw: no wait at all
    threading.Timer(0.3, lambda: holder.execute("COMMIT")).start()
    use_wal(opener.execute, wait_s=10)
    assert opener.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_database_already_in_wal_needs_no_switch_while_a_writer_holds_it(tmp_path):
    path = tmp_path / "wal.db"
    writer = _connect(path)
    use_wal(writer.execute)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("INSERT INTO t VALUES (1)")
    use_wal(_connect(path).execute, wait_s=0)  # asks, finds WAL, done
    writer.execute("COMMIT")


def test_it_gives_up_after_the_wait_and_passes_other_errors_on(tmp_path):
    path = tmp_path / "held.db"
    holder = _connect(path)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN")
    holder.execute("SELECT * FROM t").fetchall()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        use_wal(_connect(path).execute, wait_s=0.2)
    holder.execute("COMMIT")

    def broken(_sql):
        raise sqlite3.OperationalError("disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        use_wal(broken, wait_s=10)
