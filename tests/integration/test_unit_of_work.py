"""The unit of work (app.db): write intent decided before the first query, one commit per
boundary, retries of transient failures, and clear 4xx/5xx instead of 500s."""
from __future__ import annotations

import threading

import pytest
from flask import flash
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from app import db as uow
from app.db import intent, run_in_transaction, transactional, writes
from app.db.sqlite import observe_begins
from app.errors import Conflict, Unavailable
from app.forum import services
from app.forum.models import Answer, Vote


def _begins(_engine):
    """The BEGIN statements issued from now on, in order, and the function that stops listening."""
    seen: list[str] = []
    return seen, observe_begins(seen.append)


def _add_view(app, rule, fn, methods=("GET",)):
    """A test route made a unit of work like every registered view."""
    app.add_url_rule(rule, fn.__name__, fn, methods=list(methods))
    uow.init_app(app)


@pytest.fixture
def answer(db, make_user):
    q = services.ask_question(db.session, title="Why is my card declined abroad?", body="Declined at a shop.",
                              tags=["cards"], by=make_user("staff"))
    a = services.post_answer(db.session, q, body="Travel notice first, then the limit.", by=make_user("expert"))
    db.session.commit()
    return a


def test_the_request_method_decides_the_intent_before_any_hook_reads(app, db, client, make_user, token_for):
    headers = token_for(make_user("staff"))
    db.session.remove()
    seen, stop = _begins(db.engine)
    try:
        # The bearer token is resolved (a query) by the API's before_request hook, and the rate
        # limiter's key reads the user: both ran in a deferred BEGIN before the fix.
        assert client.post("/api/v1/questions", json={"title": "A question asked through the API",
                                                      "body": "With a body long enough.", "tags": ["cards"]},
                           headers=headers).status_code == 201
        writer_begins = list(seen)
        seen.clear()
        assert client.get("/api/v1/questions", headers=headers).status_code == 200
    finally:
        stop()
    assert writer_begins and all(b == "BEGIN IMMEDIATE" for b in writer_begins[:1])
    # The intent of a POST does not leak into the next request served by the same thread.
    assert seen and seen[0] == "BEGIN"


def test_a_get_view_marked_writes_begins_as_a_writer(app, db, client):
    @writes
    def stamp():
        db.session.execute(text("SELECT 1"))
        return "ok"
    _add_view(app, "/_test/stamp", stamp)
    db.session.remove()
    seen, stop = _begins(db.engine)
    try:
        assert client.get("/_test/stamp").status_code == 200
    finally:
        stop()
    assert seen[0] == "BEGIN IMMEDIATE"


def test_the_view_commits_once_after_it_returned(app, db, client):
    committed = []

    def view():
        uow.after_commit(db.session, committed.append, "after")
        db.session.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        db.session.execute(text("INSERT INTO probe VALUES (1)"))
        assert committed == []  # nothing runs before the view has returned
        return "ok"
    _add_view(app, "/_test/write", view, methods=("POST",))
    assert client.post("/_test/write").status_code == 200
    assert committed == ["after"]
    assert db.session.execute(text("SELECT count(*) FROM probe")).scalar() == 1


def test_a_failed_view_writes_nothing_and_flashes_nothing(app, db, client):
    def view():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS probe2 (x INTEGER)"))
        db.session.commit()
        db.session.execute(text("INSERT INTO probe2 VALUES (1)"))
        flash("Your vote was recorded.", "success")
        raise Unavailable("down")
    _add_view(app, "/_test/fail", view, methods=("POST",))
    response = client.post("/_test/fail")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert db.session.execute(text("SELECT count(*) FROM probe2")).scalar() == 0
    with client.session_transaction() as cookie:
        assert not cookie.get("_flashes")


def _pg_error(code: str) -> OperationalError:
    class Orig(Exception):
        sqlstate = code
    return OperationalError("UPDATE ...", {}, Orig("could not serialize access"))


def test_serialization_failures_are_retried_and_flashes_not_doubled(app, db, client):
    calls = []

    def view():
        calls.append(1)
        flash("Saved.", "success")
        if len(calls) < 3:
            raise _pg_error("40001")
        return "ok"
    _add_view(app, "/_test/retry", view, methods=("POST",))
    assert client.post("/_test/retry").status_code == 200
    assert len(calls) == 3
    with client.session_transaction() as cookie:
        assert [m for _c, m in cookie["_flashes"]] == ["Saved."]


def test_retries_run_out_into_a_503_and_busy_sqlite_into_a_503(app, db, client):
    def deadlock():
        raise _pg_error("40P01")

    def locked():
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
    _add_view(app, "/_test/deadlock", deadlock, methods=("POST",))
    _add_view(app, "/api/v1/_test/locked", locked, methods=("POST",))
    assert client.post("/_test/deadlock").status_code == 503
    response = client.post("/api/v1/_test/locked")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert "busy" in response.get_json()["detail"]


def test_a_unique_race_is_retried_then_answered_409(app, db):
    calls = []

    def fn():
        calls.append(1)
        raise IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed: users.username"))
    with pytest.raises(Conflict):
        run_in_transaction(fn, session=db.session, write=True)
    assert len(calls) == uow.DEFAULT_ATTEMPTS


def test_transactional_commits_and_rolls_back(app, db, answer, make_user):
    voter, answer_id = make_user("staff", points=125), answer.id  # votes down: a privilege by points

    @transactional(write=True)
    def vote(value):
        services.set_vote(db.session, db.session.get(Answer, answer_id), value, by=voter)
        if value < 0:
            raise RuntimeError("after the write")
    vote(1)
    with pytest.raises(RuntimeError):
        vote(-1)
    db.session.remove()
    assert db.session.scalar(select(Vote.value).where(Vote.answer_id == answer_id)) == 1


def test_writers_in_one_process_queue_on_the_gate_not_in_sqlite(app, db, answer, make_user):
    """Thirty threads voting at once on a file database: nothing lost, nothing 'locked'."""
    voters = [make_user("customer").id for _ in range(30)]
    answer_id, errors, barrier = answer.id, [], threading.Barrier(len(voters))

    def vote(user_id):
        from app.accounts.models import User
        try:
            with app.app_context():
                barrier.wait()
                run_in_transaction(lambda: services.set_vote(db.session, db.session.get(Answer, answer_id), 1,
                                                             by=db.session.get(User, user_id)),
                                   session=db.session, write=True)
        except Exception as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)
    threads = [threading.Thread(target=vote, args=(uid,)) for uid in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.remove()
    assert db.session.scalar(select(Answer.score).where(Answer.id == answer_id)) == 30
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.answer_id == answer_id)) == 30


def test_the_gate_is_released_by_commit_rollback_and_close(app, db):
    from app.db.sqlite import GatedConnection

    for end in ("commit", "rollback", "close"):
        with intent(True):
            conn = db.engine.connect()
            conn.execute(text("SELECT 1"))
            dbapi = conn.connection.dbapi_connection
            assert isinstance(dbapi, GatedConnection) and dbapi.holds_gate
            if end == "close":
                conn.close()
            else:
                getattr(conn, end)()
                conn.close()
        assert not dbapi.gate.locked()


def test_huge_numbers_in_pages_and_parameters_are_4xx_not_500(client, make_user, token_for):
    headers = token_for(make_user("staff"))
    assert client.get("/?page=100000000000000000000").status_code == 200
    assert client.get("/tags?page=99999999999999999999999").status_code == 200
    assert client.get("/api/v1/questions?page=100000000000000000000").status_code == 200
    assert client.get("/api/v1/notifications?after=100000000000000000000", headers=headers).status_code == 400
    response = client.post("/api/v1/notifications/read", json={"up_to": 10**20}, headers=headers)
    assert response.status_code == 400 and "up_to" in response.get_json()["errors"]
    assert client.get("/questions/100000000000000000000").status_code == 404


def test_a_writer_of_another_process_is_waited_for_without_sqlites_long_busy_wait(app, db):
    """Another connection (as another process would) holds the write lock for a moment: our
    writer retries in short steps and gets it as soon as it is free."""
    import sqlite3
    import time as clock

    path = db.engine.url.database
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    started = clock.monotonic()
    with intent(True):
        conn = db.engine.connect()
        conn.execute(text("SELECT 1"))  # begins: waits for the other writer
        waited = clock.monotonic() - started
        conn.rollback()
        conn.close()
    release.join()
    other.close()
    assert 0.25 <= waited < 2.0
