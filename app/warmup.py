"""Warming a web process up before it takes traffic (issue 12: the first request after start-up
is no slower than three warm ones).

What a first request used to pay for, and what is done here instead: compiling the templates,
loading both languages' catalogs, opening the search engine and its tokenizers (the first search
took 1.2 s), the pages everyone opens first (the list, tags, the knowledge base, the API's list,
in English and Chinese), which also leaves them in this process's page cache, one question page
and one user page, and the expert directory with the expertise index behind it. Nothing is written:
the pages warmed are anonymous and count nothing, and the search runs below the view, which is
what logs searches. A failure only costs speed: it is logged, and the process serves anyway.

``wsgi.py`` calls it in every gunicorn worker (``WARM_UP=0`` turns it off).
"""
from __future__ import annotations

import logging
import re
import threading
import time

from flask import Flask

log = logging.getLogger(__name__)
PAGES = ("/", "/tags", "/kb/", "/api/v1/questions")
LANGUAGE_HEADERS = ("en", "zh-CN")


def warm_up(app: Flask) -> float:
    """Do it; returns the seconds it took."""
    started = time.perf_counter()
    for step in (_templates, _catalogs, _search):
        _step(step, app)
    listed = _step(_pages, app) or ""
    _step(_first_of_a_kind, app, listed)
    _step(_experts, app)
    took = time.perf_counter() - started
    log.info("warmed up in %.2f s", took)
    return took


def _step(step, *args):
    try:
        return step(*args)
    except Exception:  # noqa: BLE001 (a cold cache is slower, never broken)
        log.warning("warm-up step %s failed", step.__name__, exc_info=True)
        return None


def _templates(app: Flask) -> None:
    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith((".html", ".txt"))):
        app.jinja_env.get_template(name)


def _catalogs(app: Flask) -> None:
    from flask_babel import force_locale, get_translations

    with app.test_request_context("/"):
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                get_translations().ugettext("Questions")


def _search(app: Flask) -> None:
    from flask_login import AnonymousUserMixin

    from app.extensions import db
    from app.search import get_backend, service

    with app.test_request_context("/search"):
        try:
            for words in ("card fee", "信用卡 挂失"):
                service.search(db.session, get_backend, q=words, user=AnonymousUserMixin())
        finally:
            db.session.rollback()
            db.session.remove()


def _pages(app: Flask, paths=PAGES) -> str:
    """GET each page in each language; returns the last list page's HTML. Cached pages are keyed
    by the Host header: the test client sends PUBLIC_URL's host (Flask's SERVER_NAME), the one
    visitors use; without PUBLIC_URL only the code paths are warmed for them."""
    client, listed = app.test_client(), ""
    for path in paths:
        for language in LANGUAGE_HEADERS:
            html = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
            listed = html if path == "/" else listed
    return listed


def _first_of_a_kind(app: Flask, listed: str) -> None:
    """A question page and a user page (the newest on the list ``listed``): what every question
    and user page runs for the first time in a process (statement compilation, Markdown, the
    panels). HEAD requests: they render the whole page but count no view (and the page cache
    keeps only what GET requests rendered)."""
    client, html = app.test_client(), listed
    for pattern in (r'href="(/questions/\d+/[^"?#]*)"', r'href="(/users/\d+)"'):
        found = re.search(pattern, html)
        if found:
            for language in LANGUAGE_HEADERS:
                client.head(found.group(1), headers={"Accept-Language": language})


def _experts(app: Flask) -> None:
    """The expert directory loads the expertise index: from its saved copy here (under a second
    on the beer dump, about 9 s at 100,000 questions); without one (the first start after an import) from every answer, which takes minutes
    on a big site, so in the background: the process serves meanwhile, and only expert pages
    wait for it. ``flask experts snapshot`` makes the copy ahead of time."""
    from app.experts.snapshot import path_for

    with app.app_context():
        path = path_for(app)
    if path is not None and path.exists():
        _pages(app, ("/experts",))
        return

    def load() -> None:
        try:
            _pages(app, ("/experts",))
        except Exception:  # noqa: BLE001
            log.warning("warm-up of the expert directory failed", exc_info=True)
    threading.Thread(target=load, name="warm-up-experts", daemon=True).start()
