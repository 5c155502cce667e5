"""Cached page blocks (app.cache.render_page): the list, tag pages, the tag directory, the expert
directory and the knowledge-base home are served from a cache shared by a viewer class, and are
never stale nor shown to a viewer outside that class (issue 12). Through the real HTTP server:
tests/system/test_fresh_pages.py."""
from __future__ import annotations

import pytest
from factories import ask, sign_in
from sqlalchemy import event

from app.extensions import db
from app.forum import services

PAGES = ["/", "/tags", "/tags/cards", "/experts", "/kb/"]


@pytest.fixture
def people(make_user):
    return {"member": make_user("staff", teams=("cards",)), "outsider": make_user("staff", teams=("loans",)),
            "customer": make_user("customer"), "mod": make_user("moderator")}


class Statements:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args, **kwargs):
        self.count += 1


@pytest.mark.parametrize("path", PAGES)
def test_a_second_view_is_served_from_the_cache(client, app, people, path):
    ask(people["member"], title="Card replacement fee for a damaged card")
    first = client.get(path)
    with Statements(db.engine) as warm:
        second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert second.data == first.data
    with app.app_context():
        cache_off = app.extensions["fragment_cache"]
        cache_off.enabled = False
    with Statements(db.engine) as cold:
        client.get(path)
    cache_off.enabled = True
    assert warm.count < cold.count


def test_a_write_is_on_the_very_next_page_for_every_viewer(client, people):
    viewers = [None, people["customer"], people["outsider"], people["member"], people["mod"]]

    def page_as(user, path="/"):
        if user is None:
            with client.session_transaction() as session:
                session.clear()
        else:
            sign_in(client, user)
        return client.get(path).get_data(as_text=True)

    for user in viewers:          # every class has the pages cached now
        page_as(user)
        page_as(user, "/tags/cards")
    public = ask(people["member"], title="Public answer about card fees")
    internal = ask(people["member"], title="Internal script for card fee waivers", visibility="internal")
    team = ask(people["member"], title="Cards team escalation contacts", visibility="team", team="cards")
    sees = {None: {public}, "customer": {public}, "outsider": {public, internal},
            "member": {public, internal, team}, "mod": {public, internal, team}}
    for user in viewers:
        key = None if user is None else next(k for k, v in people.items() if v is user)
        for path in ("/", "/tags/cards"):
            html = page_as(user, path)
            for question in (public, internal, team):
                assert (question.title in html) == (question in sees[key]), (key, path, question.title)
    services.edit_question(db.session, public, by=people["member"], title="Public answer about card fees, updated")
    db.session.commit()
    assert "card fees, updated" in page_as(None)
    assert "card fees, updated" in page_as(people["member"])


def test_each_language_has_its_own_copy(client, people):
    ask(people["member"], title="Lost card while travelling")
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    chinese = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "All questions" in english and "All questions" not in chinese
