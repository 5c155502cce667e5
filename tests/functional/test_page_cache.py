"""Whole pages from the cache (app.cache.pages, issue 12): a viewer's second look at a page runs
no view and no query, yet every write, login change, flash and per-request value (CSRF token,
search click token, view count) is exactly as if the page had been rendered. Through the real
HTTP server: tests/system/test_fresh_pages.py."""
from __future__ import annotations

import re

import pytest
from factories import answer, ask, sign_in, sign_out
from sqlalchemy import event, func, select

from app.extensions import db
from app.forum import services

PAGES = ["/", "/tags", "/tags/cards", "/experts", "/kb/", "/search?q=card", "/api/v1/questions"]


@pytest.fixture
def people(make_user):
    return {"staff": make_user("staff", teams=("cards",), name="alice"),
            "other": make_user("staff", teams=("cards",), name="bob"),
            "customer": make_user("customer", name="carol")}


class Statements:
    def __init__(self):
        self.count = 0

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *args):
        if "search_logs" not in statement:  # a search from the cache is still logged (a job)
            self.count += 1


def _same(html: str) -> str:
    """The page without what differs per request by design (CSRF and search click tokens)."""
    html = re.sub(r'(name="csrf_token" value=|name="csrf-token" content=)"[^"]+"', r'\1""', html)
    return re.sub(r"/search/click/[\w-]+", "/search/click/", html)


def _token(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.mark.parametrize("who", [None, "staff"])
@pytest.mark.parametrize("path", PAGES + ["question", "user"])
def test_the_second_look_runs_no_query(client, people, who, path):
    question = ask(people["staff"], title="Card replacement fee for a damaged card")
    answer(question, people["other"])
    path = {"question": f"/questions/{question.id}/{question.slug}", "user": f"/users/{people['other'].id}"}.get(
        path, path)
    if who:
        sign_in(client, people[who])
    client.get(path)  # a logged-in viewer's first request checks the login (the viewer card)
    first = client.get(path)
    with Statements() as hit:
        second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert hit.count == 0
    assert _same(first.get_data(as_text=True)) == _same(second.get_data(as_text=True))
    assert "pcm-" not in second.get_data(as_text=True)  # no marker is ever sent


def test_each_viewer_gets_their_own_csrf_token_and_header(app, people):
    ask(people["staff"], title="Which form closes a joint account?")
    pages = {}
    for name in ("staff", "other", None, None):
        client = app.test_client()
        if name:
            sign_in(client, people[name])
        for _ in range(3):
            html = client.get("/").get_data(as_text=True)
        with client.session_transaction() as session:
            secret = session["csrf_token"]
        from itsdangerous import URLSafeTimedSerializer
        signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
        assert signer.loads(_token(html)) == secret  # the token belongs to this session
        pages.setdefault(name, []).append(html)
    assert '<span class="user-name">alice</span>' in pages["staff"][0]
    assert "bob" not in pages["staff"][0] and '<span class="user-name">bob</span>' in pages["other"][0]
    assert "user-name" not in pages[None][0]
    assert _token(pages[None][0]) != _token(pages[None][1])  # two visitors, two sessions, two tokens


def test_a_write_flash_and_new_notification_show_on_the_next_request(client, people, login):
    question = ask(people["staff"], title="Stolen card blocked twice?")
    login(people["staff"])
    for _ in range(3):
        client.get(f"/questions/{question.id}/{question.slug}")
        client.get("/")
    response = client.post(f"/questions/{question.id}/answers", data={"body": "Block it once; the second is a no-op."},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "the second is a no-op" in html and 'class="flash' in html  # the flash was not skipped
    again = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "the second is a no-op" in again and 'class="flash' not in again
    # Someone else answers: the asker's bell counts it on the very next page (a notification
    # is written by a job after the commit, and notifications are content for the header).
    def unread(html: str) -> int:
        found = re.search(r'<span class="notif-count" aria-hidden="true"( hidden)?>(\d*)</span>', html)
        return int(found.group(2) or 0)

    before = unread(client.get("/").get_data(as_text=True))
    answer(question, people["other"], body="Bob's answer about blocking the card twice.")
    assert unread(client.get("/").get_data(as_text=True)) == before + 1


def test_a_changed_login_never_gets_the_old_page(client, people, login):
    login(people["staff"])
    for _ in range(3):
        assert "alice" in client.get("/").get_data(as_text=True)
    with client.session_transaction() as session:
        copied = dict(session)
    client.post("/logout")
    assert "user-name" not in client.get("/").get_data(as_text=True)
    # The copied cookie of a session ended everywhere (a password change) is refused, cached or not.
    from app.accounts import services as accounts
    accounts.end_sessions(people["staff"], by=people["staff"])
    db.session.commit()
    with client.session_transaction() as session:
        session.update(copied)
    assert "user-name" not in client.get("/").get_data(as_text=True)


def test_conditional_get_answers_304_until_something_changes(client, people):
    ask(people["staff"], title="Overdraft fee refund rules")
    first = client.get("/")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    ask(people["staff"], title="Overdraft fee refund for students")
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "for students" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag
    # Another session (another CSRF secret) never gets a 304 for this copy.
    other = client.application.test_client()
    assert other.get("/", headers={"If-None-Match": changed.headers["ETag"]}).status_code == 200


def test_a_cached_question_page_still_counts_views_once_per_session(app, people):
    from app.forum.models import Question
    question = ask(people["staff"], title="Card delivery abroad")
    path = f"/questions/{question.id}/{question.slug}"
    for _ in range(4):
        client = app.test_client()
        for _ in range(3):
            assert client.get(path).status_code == 200
    db.session.expire_all()
    assert db.session.get(Question, question.id).view_count == 4


def test_a_cached_search_is_logged_again_with_its_own_click_token(client, people):
    from app.search.models import SearchLog
    ask(people["staff"], title="Card limit for contactless payments")
    pages = [client.get("/search?q=contactless").get_data(as_text=True) for _ in range(3)]
    tokens = [re.findall(r"/search/click/([\w-]+)", html) for html in pages]
    assert all(tokens) and len({t[0] for t in tokens}) == 3
    logged = db.session.scalars(select(SearchLog.token).where(SearchLog.query == "contactless")).all()
    assert sorted(logged) == sorted(t[0] for t in tokens)
    assert db.session.scalar(select(func.count()).select_from(SearchLog)) == 3


def test_bearer_tokens_and_json_never_use_the_page_cache(client, people, token_for):
    ask(people["staff"], title="Wire transfer cut-off time")
    client.get("/")
    with Statements() as seen:
        client.get("/", headers=token_for(people["staff"]))
    assert seen.count > 0


def test_head_requests_are_answered_but_never_stored(client, people):
    question = ask(people["staff"], title="Joint account closing form")
    path = f"/questions/{question.id}/{question.slug}"
    assert client.head(path).status_code == 200
    with Statements() as after_head:
        html = client.get(path).get_data(as_text=True)
    assert after_head.count > 0  # rendered: the HEAD left nothing in the cache
    assert f'name="next" value="{path}"' in html  # the language form returns here, not to the list
    with Statements() as hit:
        assert client.head(path).status_code == 200
    assert hit.count == 0  # HEAD is answered from what the GET stored
