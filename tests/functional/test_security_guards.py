"""app/security.py on SQLite: text that cannot be stored is refused with 400 before anything
reads it, out-of-range values answer 400, every response carries the security headers, and
absolute URLs come from PUBLIC_URL. PostgreSQL variants: tests/postgres/test_pg_security.py."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import event, select
from test_api_helpers import assert_problem

from app.accounts.models import User
from app.extensions import db as _db

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def statements(app):
    """SQL statements sent while the test runs (to prove a guard answered before the database)."""
    seen: list[tuple[str, str]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, repr(parameters)))

    event.listen(_db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(_db.engine, "before_cursor_execute", record)


# --- NUL and other text that cannot be stored ---------------------------------------------------

def test_nul_in_the_login_form_is_a_400_page_before_any_query(client, make_user, statements):
    name = make_user().username
    statements.clear()
    response = client.post("/login", data={"username": name + "\x00", "password": "whatever-1"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "“username” contains a NUL character" in _text(response)
    assert statements == []


@pytest.mark.parametrize("path, query, field", [
    ("/search", {"q": "card\x00"}, "q"),
    ("/", {"sort\x00": "newest"}, "sort\\0"),
    ("/tags/ca%00rds", {}, "path"),
    ("/questions/1/x%00y", {}, "path"),
])
def test_nul_in_the_query_string_or_path_is_a_400_page(client, path, query, field):
    response = client.get(path, query_string=query)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert f"“{field}” contains a NUL character" in _text(response)


@pytest.mark.parametrize("body, field", [
    ({"title": "A title long enough", "body": "Nul\x00 in the body", "tags": ["cards"]}, "body"),
    ({"title": "A title long enough", "body": "Fine body text", "tags": ["cards", "lo\x00st"]}, "tags[1]"),
    ({"title": "A title long enough", "body": "Fine body text", "meta": {"deep": [{"x": "\x00"}]}},
     "meta.deep[0].x"),
    ({"title\x00": "A title long enough"}, "title\\0"),
    ({"title": "A title long enough", "body": "Lone \ud800 surrogate", "tags": ["cards"]}, "body"),
])
def test_bad_text_in_json_at_any_depth_is_a_problem_naming_the_field(app, client, make_user, token_for,
                                                                       statements, body, field):
    headers = token_for(make_user("staff"))
    statements.clear()
    response = client.post("/api/v1/questions", json=body, headers=headers)
    problem = assert_problem(response, 400, field)
    assert "NUL" in problem["detail"] or "not valid text" in problem["detail"]
    # The only reads are the caller's token and language, for the answer; the text reached nothing.
    assert all(sql.split()[0] in ("BEGIN", "SELECT", "ROLLBACK") for sql, _ in statements), statements
    assert not any("\\x00" in params or "\\ud800" in params for _, params in statements)


def test_nul_in_an_api_path_or_query_is_a_problem(client):
    assert_problem(client.get("/api/v1/questions", query_string={"tag": "x\x00"}), 400, "tag")
    assert_problem(client.get("/api/v1/tags/x%00y"), 400, "path")


def test_text_without_nul_passes_untouched(client, make_user, token_for):
    headers = token_for(make_user("staff"))
    response = client.post("/api/v1/questions", headers=headers, json={
        "title": "如何挂失信用卡？ \\0 is fine", "body": "Escaped \\u0000 text and emoji 😀 are fine.",
        "tags": ["cards"]})
    assert response.status_code == 201, _text(response)
    assert response.get_json()["title"] == "如何挂失信用卡？ \\0 is fine"


# --- out-of-range values: the net under the parsing ----------------------------------------------

@pytest.fixture
def overflow_routes(app):
    """A page and an API call that hand the database an offset no integer column holds, as a
    missing check at the source would."""
    def query():
        _db.session.scalars(select(User).offset(10**20)).all()
        return "unreachable"

    app.add_url_rule("/test-out-of-range", "test_out_of_range", query)
    app.add_url_rule("/api/v1/test-out-of-range", "test_api_out_of_range", query)


def test_a_value_out_of_range_is_a_400_page_and_a_problem(app, client, overflow_routes, caplog):
    caplog.set_level(logging.WARNING, logger="app.security")
    page = client.get("/test-out-of-range")
    assert page.status_code == 400 and "A value is out of range." in _text(page)
    body = assert_problem(client.get("/api/v1/test-out-of-range"), 400)
    assert body["detail"] == "A value is out of range."
    assert "out of range" in caplog.text  # logged, so the check at the source gets written
    assert client.get("/").status_code == 200  # the session was rolled back and works


def test_huge_page_numbers_never_500(client):
    # The example; the parsing fixes it at the source, the net catches what slips by.
    for path in ("/?page=" + "9" * 20, "/api/v1/questions?page=" + "9" * 20, "/tags?page=" + "9" * 30):
        assert client.get(path).status_code < 500, path


# --- security headers --------------------------------------------------------------------------------

def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in policy.split(";")) if d}


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/questions", "/no-such-page", "/static/css/app.css",
                                  "/search?q=%00"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["frame-ancestors"] == "'none'" and response.headers["X-Frame-Options"] == "DENY"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["connect-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["default-src"] == "'self'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # production only


def test_extra_image_sources_come_from_config(tmp_path):
    from app import create_app
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'i.db'}",
                     CSP_IMG_SOURCES="https://i.stack.imgur.com")
    assert _csp(app.test_client().get("/static/css/app.css"))["img-src"] == \
        "'self' data: https://i.stack.imgur.com"


def test_templates_have_no_inline_script_style_or_handlers():
    """The CSP allows no inline code: a template that adds some breaks in the browser."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        html = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)  # Jinja comments
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle\s*=", r"\son[a-z]+\s*=",
                        r"javascript:"):
            offenders += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, html, re.I)]
    assert offenders == []


# --- public origin and Host ---------------------------------------------------------------------

def _production(tmp_path, **overrides):
    from app import create_app
    from config import ProductionConfig

    app = create_app(ProductionConfig, SECRET_KEY="s" * 40, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}",
                     RATELIMIT_STORAGE_URI="memory://", SOCKETIO_MESSAGE_QUEUE=None, JOBS_MODE="inline",
                     TESTING=True, **overrides)
    with app.app_context():
        _db.create_all()
        from app.accounts import services as accounts
        user = accounts.create_user(_db.session, "prod-agent", "long-enough-1", role="staff")
        _, token = accounts.create_token(_db.session, user, "t")
        _db.session.commit()
    return app, {"Authorization": f"Bearer {token}"}


def _ask(app, headers, host):
    return app.test_client().post("/api/v1/questions", base_url=f"http://{host}", headers=headers,
                                  json={"title": "Where is the PIN reset form?", "body": "A customer asks.",
                                        "tags": ["cards"]})


def test_a_forged_host_cannot_change_a_location_header_in_production(tmp_path):
    app, headers = _production(tmp_path, PUBLIC_URL="https://qa.bank.example",
                               TRUSTED_HOSTS=["qa.bank.example", "forum.internal"])
    try:
        forged = _ask(app, headers, "evil.example")
        assert forged.status_code == 400 and "Location" not in forged.headers
        for host in ("qa.bank.example", "forum.internal"):  # trusted names, one public origin
            created = _ask(app, headers, host)
            assert created.status_code == 201, _text(created)
            assert created.headers["Location"].startswith("https://qa.bank.example/api/v1/questions/")
            assert created.get_json()["url"].startswith("https://qa.bank.example/questions/")
        page = app.test_client().get("/", base_url="http://qa.bank.example")
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        with app.app_context():
            _db.engine.dispose()


def test_public_url_alone_trusts_only_its_host(tmp_path):
    app, headers = _production(tmp_path, PUBLIC_URL="https://qa.bank.example:8443")
    try:
        assert _ask(app, headers, "forum.internal").status_code == 400
        created = _ask(app, headers, "qa.bank.example:8443")
        assert created.headers["Location"].startswith("https://qa.bank.example:8443/api/v1/questions/")
    finally:
        with app.app_context():
            _db.engine.dispose()


def test_production_without_public_url_warns(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    app, _headers = _production(tmp_path)
    with app.app_context():
        _db.engine.dispose()
    assert "PUBLIC_URL is not set" in caplog.text


@pytest.mark.parametrize("url", ["qa.bank.example", "ftp://qa.bank.example", "https://qa.bank.example/forum",
                                 "https://user:pw@qa.bank.example"])
def test_a_public_url_that_is_not_an_origin_stops_the_app(tmp_path, url):
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        _production(tmp_path, PUBLIC_URL=url)
