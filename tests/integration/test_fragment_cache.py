"""Content-versioned fragments (app.cache): a write moves the version after its commit, a
rollback does not, quiet tables never do, and a fragment is keyed by viewer class and language."""
from __future__ import annotations

import time

import pytest
from factories import ask, vote
from flask import g
from flask_babel import force_locale
from sqlalchemy import update

from app import cache
from app.cache.store import MemoryStore
from app.cache.version import CounterVersion, FileVersion

from app.extensions import db
from app.forum import services
from app.forum.models import Question
from app.notifications.services import notify


def _version():
    g.pop("content_version", None)
    return cache.cache_of().version()


def test_a_committed_write_moves_the_version_and_a_rollback_does_not(app, make_user):
    asker = make_user("staff")
    before = _version()
    question = ask(asker)
    after = _version()
    assert after != before
    services.edit_question(db.session, question, by=asker, title="A new title for the same question")
    db.session.rollback()
    assert _version() == after


def test_quiet_tables_do_not_move_it_but_notifications_and_core_updates_do(app, make_user):
    from app.search.service import log_search
    user, other = make_user("staff"), make_user("expert")
    question = ask(user)
    before = _version()
    log_search(db.session, {"query": "card", "normalized": "card", "role": "staff", "source": "web",
                            "filters": "", "result_count": 1, "token": None, "created_at": "2026-12-06T10:00:00"})
    db.session.commit()
    assert _version() == before
    # A notification is content: every cached page's header shows the bell's count.
    notify(db.session, other.id, "routed", question_id=question.id)
    db.session.commit()
    assert _version() != before
    before = _version()
    services.record_view(db.session, question.id, 3)  # views are not content
    db.session.commit()
    assert _version() == before
    db.session.execute(update(Question).where(Question.id == question.id).values(score=Question.score + 1))
    db.session.commit()  # a Core UPDATE
    assert _version() != before


def test_a_vote_moves_it(app, make_user):
    question, voter = ask(make_user("staff")), make_user("staff")
    before = _version()
    vote(question, voter)
    assert _version() != before


def test_fragments_are_keyed_by_viewer_class_language_and_version(app, make_user):
    renders = []

    def render(text):
        def go():
            renders.append(text)
            return f"<p>{text}</p>"
        return go

    staff_a, staff_b = make_user("staff", teams=("cards",)), make_user("staff", teams=("cards",))
    other_team, customer = make_user("staff", teams=("loans",)), make_user("customer")
    with app.test_request_context("/"):
        assert cache.fragment("f", (1,), render("a"), viewer=staff_a) == "<p>a</p>"
        assert cache.fragment("f", (1,), render("b"), viewer=staff_b) == "<p>a</p>"      # same class: shared
        assert cache.fragment("f", (1,), render("c"), viewer=other_team) == "<p>c</p>"   # other teams: not
        assert cache.fragment("f", (1,), render("d"), viewer=customer) == "<p>d</p>"
        assert cache.fragment("f", (1,), render("e"), viewer=None) == "<p>e</p>"
        with force_locale("zh_CN"):
            assert cache.fragment("f", (1,), render("z"), viewer=staff_a) == "<p>z</p>"
        assert cache.fragment("f", (2,), render("k"), viewer=staff_a) == "<p>k</p>"       # other arguments
    assert renders == ["a", "c", "d", "e", "z", "k"]
    assert cache.viewer_class(None) == "anon"
    assert cache.viewer_class(staff_a) == cache.viewer_class(staff_b) != cache.viewer_class(other_team)


def test_after_a_write_the_next_request_renders_again(app, make_user):
    renders = []
    with app.test_request_context("/"):
        cache.fragment("g", (), lambda: renders.append(1) or "x", viewer=None)
        cache.fragment("g", (), lambda: renders.append(2) or "x", viewer=None)
    ask(make_user("staff"))
    with app.test_request_context("/"):
        cache.fragment("g", (), lambda: renders.append(3) or "x", viewer=None)
    assert renders == [1, 3]


def test_caching_off_renders_every_time(app):
    app.extensions["fragment_cache"].enabled = False
    renders = []
    with app.test_request_context("/"):
        for n in range(3):
            cache.fragment("h", (), lambda n=n: renders.append(n) or "x")
    assert renders == [0, 1, 2]


def test_file_version_is_strictly_increasing_and_shared(tmp_path):
    one, two = FileVersion(tmp_path / "v"), FileVersion(tmp_path / "v")  # two processes, one file
    seen = [one.read()]
    for _ in range(50):
        (one if len(seen) % 2 else two).bump()
        seen.append(two.read())
    assert all(b > a for a, b in zip(seen, seen[1:]))
    counter = CounterVersion()
    counter.bump()
    assert counter.read() == 1


def test_memory_store_is_bounded_and_expires():
    store = MemoryStore(max_chars=400)
    for n in range(12):
        store.set(f"k{n}", "x" * 40, ttl=60)
    assert store.get("k0") is None and store.get("k11") == "x" * 40 and store._size <= 400
    store.set("huge", "y" * 60, ttl=60)  # over an eighth of the budget: never stored
    assert store.get("huge") is None
    store.set("short", "z", ttl=0.01)
    time.sleep(0.02)
    assert store.get("short") is None


@pytest.mark.redis
def test_redis_backed_version_and_store(app, redis_url):
    from app.cache.store import RedisStore
    from app.cache.version import RedisVersion

    versions, store = RedisVersion(redis_url), RedisStore(redis_url, prefix="test:frag:")
    first = versions.read()
    versions.bump()
    assert versions.read() == first + 1
    store.set("a", "<p>é</p>", ttl=30)
    assert store.get("a") == "<p>é</p>"
    down = RedisVersion("redis://127.0.0.1:1")  # nothing listens: no version, so no cache
    assert down.read() is None
    assert RedisStore("redis://127.0.0.1:1").get("a") is None
