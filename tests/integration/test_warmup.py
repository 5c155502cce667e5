"""Warming a web process up before its first request (app/warmup.py, issue 12): it leaves the
busiest pages in the page cache and writes nothing."""
from __future__ import annotations

import threading

from factories import ask
from sqlalchemy import event, func, select

from app.cache import cache_of
from app.extensions import db
from app.search.models import SearchLog
from app.warmup import warm_up


def _warm_up_and_settle(app):
    """warm_up, then wait for its background part (the expert directory, loaded in a thread when
    no saved index exists): its queries would otherwise land among those a test counts."""
    warm_up(app)
    for thread in threading.enumerate():
        if thread.name == "warm-up-experts":
            thread.join(timeout=60)


def test_warm_up_fills_the_page_cache_and_writes_nothing(app, make_user):
    ask(make_user("staff"), title="Card replacement fee for a damaged card")
    version = cache_of(app).versions.read()
    writes = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        _warm_up_and_settle(app)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert writes == [] and cache_of(app).versions.read() == version
    assert db.session.scalar(select(func.count()).select_from(SearchLog)) == 0
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    response = app.test_client().get("/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200 and statements == []  # straight from the page cache


def test_under_a_public_url_the_warmed_pages_are_those_its_visitors_get(tmp_path):
    from app import create_app
    from config import TestingConfig

    public = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'public.db'}",
                        PUBLIC_URL="https://qa.example.com")
    with public.app_context():
        db.create_all()
        try:
            _warm_up_and_settle(public)
            statements = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            client = public.test_client()
            response = client.get("/tags", headers={"Host": "qa.example.com"})
            assert response.status_code == 200 and statements == []  # the Host visitors send
        finally:
            db.session.remove()
            db.engine.dispose()
