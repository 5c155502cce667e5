"""The cache file the processes of one host share and a restarted process keeps (app/cache/disk.py):
what one process rendered another serves without a query, never stale, never from another
database, and never an error or a wait."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from factories import ask
from sqlalchemy import event

from app import create_app
from app.accounts import services as accounts
from app.cache import cache_of
from app.cache.disk import DiskStore, TieredStore, database_identity
from app.cache.store import MemoryStore
from app.extensions import db
from config import TestingConfig


def _store(path, identity="db1", **kwargs) -> DiskStore:
    return DiskStore(path, lambda: identity, **kwargs)


def test_two_processes_share_entries_until_they_expire(tmp_path):
    one, other = _store(tmp_path / "c"), _store(tmp_path / "c")
    one.set("page", "<p>hello</p>", 60)
    assert other.get("page") == "<p>hello</p>"
    value, left = other.lookup("page")
    assert value == "<p>hello</p>" and 58 < left <= 60
    one.set("short", "x", 0.05)
    time.sleep(0.1)
    assert other.get("short") is None and one.get("missing") is None


def test_another_database_never_sees_the_entries(tmp_path):
    _store(tmp_path / "c", identity="old").set("page:v1", "old database", 60)
    assert _store(tmp_path / "c", identity="new").get("page:v1") is None


def test_no_identity_means_no_shared_cache_not_an_error(tmp_path):
    def unreadable():
        raise sqlite3.OperationalError("no such table")
    store = DiskStore(tmp_path / "c", unreadable)
    store.set("k", "v", 60)
    assert store.get("k") is None and not (tmp_path / "c").exists()


def test_a_damaged_or_unusable_file_is_a_miss(tmp_path, caplog):
    (tmp_path / "damaged").write_bytes(b"this is not a database" * 100)
    damaged = _store(tmp_path / "damaged")
    damaged.set("k", "v", 60)
    assert damaged.get("k") is None
    assert "unavailable" in caplog.text
    directory = _store(tmp_path)  # a directory where the file should be
    directory.set("k", "v", 60)
    assert directory.get("k") is None
    (tmp_path / "plain").write_text("a file where its directory should be")
    nowhere = _store(tmp_path / "plain" / "cache")
    nowhere.set("k", "v", 60)
    assert nowhere.get("k") is None


def test_a_write_never_waits_for_another_process_and_reads_go_on(tmp_path):
    path = tmp_path / "c"
    store = _store(path)
    store.set("before", "kept", 60)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        started = time.monotonic()
        store.set("during", "skipped", 60)
        assert time.monotonic() - started < 0.5
        assert store.get("before") == "kept" and store.get("during") is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.set("after", "stored", 60)  # not taken for a broken file
    assert store.get("after") == "stored"


def test_the_file_is_trimmed_to_its_bound_keeping_what_expires_last(tmp_path):
    store = _store(tmp_path / "c", max_bytes=256 * 1024)
    for n in range(600):
        store.set(f"k{n}", "x" * 4000, 60 + n)
    conn = sqlite3.connect(tmp_path / "c")
    count = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    conn.close()
    assert count < 200
    assert store.get("k599") is not None and store.get("k0") is None


def test_memory_in_front_keeps_what_the_file_had_for_its_remaining_time(tmp_path):
    far = _store(tmp_path / "c")
    far.set("k", "from the file", 0.3)
    tiered = TieredStore(MemoryStore(), far)
    assert tiered.get("k") == "from the file"
    far.clear()
    assert tiered.get("k") == "from the file"  # now from memory
    time.sleep(0.35)
    assert tiered.get("k") is None  # expired in memory with the file's time


def test_threads_of_one_process_share_the_connection_safely(tmp_path):
    store, errors = _store(tmp_path / "c"), []

    def work(n):
        try:
            for i in range(50):
                store.set(f"{n}:{i}", str(i), 60)
                assert store.get(f"{n}:{i}") == str(i)
        except Exception as err:  # noqa: BLE001
            errors.append(err)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# --- through the app: two processes on one SQLite database -----------------------------------

def _process(db_path):
    """A web process of the embedded default (the suite otherwise turns the file off)."""
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}", CACHE_FILE="auto")


def test_a_restarted_process_serves_what_another_rendered_and_a_write_is_seen_at_once(tmp_path):
    path = tmp_path / "forum.db"
    first = _process(path)
    with first.app_context():
        db.create_all()
        user = accounts.create_user(db.session, "shared.asker", "correct-horse-9", role="staff")
        db.session.commit()
        question_id, user_id = ask(user, title="Replacing a card damaged at the cash machine").id, user.id
        page = first.test_client().get("/")
        assert page.status_code == 200 and b"damaged at the cash machine" in page.data
        assert isinstance(cache_of(first).store, TieredStore)
        db.session.remove()

    restarted = _process(path)  # nothing in its memory
    with restarted.app_context():
        statements = []
        listener = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        again = restarted.test_client().get("/")
        event.remove(db.engine, "before_cursor_execute", listener)
        assert again.status_code == 200 and statements == []  # from the shared file
        assert b"damaged at the cash machine" in again.data

        from app.accounts.models import User
        from app.forum import services as forum
        from app.forum.models import Question
        forum.edit_question(db.session, db.session.get(Question, question_id), by=db.session.get(User, user_id),
                            title="Replacing a card the machine kept")
        db.session.commit()
        db.session.remove()

    with first.app_context():
        fresh = first.test_client().get("/")
        assert b"the machine kept" in fresh.data and b"damaged at the cash machine" not in fresh.data
        db.session.remove()
        db.engine.dispose()
    with restarted.app_context():
        db.engine.dispose()


def test_a_database_created_again_under_the_same_name_gets_none_of_the_old_pages(tmp_path):
    path = tmp_path / "forum.db"
    old = _process(path)
    with old.app_context():
        db.create_all()
        ask(accounts.create_user(db.session, "old.asker", "correct-horse-9", role="staff"),
            title="A question of the database that is deleted")
        assert b"database that is deleted" in old.test_client().get("/").data
        db.session.remove()
        db.engine.dispose()
    for leftover in (path, path.with_name("forum.db-wal"), path.with_name("forum.db-shm")):
        leftover.unlink(missing_ok=True)  # the version file and the cache file stay

    new = _process(path)
    with new.app_context():
        db.create_all()  # no write through a session: the content version did not move
        page = new.test_client().get("/")
        assert page.status_code == 200 and b"database that is deleted" not in page.data
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("setting, expected", [("off", None), ("", None)])
def test_the_file_can_be_turned_off(tmp_path, setting, expected):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'f.db'}", CACHE_FILE=setting)
    assert isinstance(cache_of(app).store, MemoryStore)


def test_the_sqlite_identity_is_written_once_and_kept(tmp_path):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'id.db'}")
    first = database_identity(engine)
    assert first.startswith("sqlite") and first != "sqlite0" and database_identity(engine) == first
