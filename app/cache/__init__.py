"""Content-versioned fragment caching (DESIGN.md: fast pages, nothing stale, nothing leaked).

A page caches the parts of itself that are the same for everyone in a *viewer class* with
:func:`fragment`; the key carries

* the fragment's name and arguments (page number, query ...),
* the viewer class (:func:`viewer_class`: anonymous and customers, staff with their set of teams,
  moderators ...): a fragment is only ever served to viewers who may see all of it,
* the language,
* the content version (``app.cache.version``), bumped after every commit that changed content:
  a fragment is never served once what it shows has changed.

Per-viewer parts (their votes, their controls, the header) are rendered per request around it.
Entries live in Redis when ``REDIS_URL`` is set (``app.cache.store``), otherwise in this process's
memory in front of a file every process on the host shares (``app.cache.disk``, ``CACHE_FILE``);
``CACHE_ENABLED=False`` turns it all off (every fragment rendered).
"""
from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app, g, has_app_context
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.cache.disk import DiskStore, TieredStore, database_identity
from app.cache.store import MemoryStore, RedisStore
from app.cache.version import sqlite_file, version_store

log = logging.getLogger(__name__)
_EXT = "fragment_cache"
_CHANGED = "content_changed"
# Tables whose rows no cached page shows: writing them does not invalidate anything.
# Notifications are not among them: the header's bell shows their count on every cached page.
QUIET_TABLES = frozenset({"search_logs", "expertise_events", "api_tokens", "kb_article_daily_views"})


class FragmentCache:
    def __init__(self, app: Flask):
        from app.extensions import db

        config = app.config
        self.enabled = config.get("CACHE_ENABLED", True)
        self.ttl = float(config.get("CACHE_TTL", 300))
        with app.app_context():
            self.store = _store_for(app, db.engine)
            self.versions = version_store(config, db.engine)

    def version(self) -> int | None:
        """The content version, read once per request (or unit of work)."""
        if "content_version" not in g:
            g.content_version = self.versions.read() if self.enabled else None
        return g.content_version

    def bump(self) -> None:
        self.versions.bump()
        g.pop("content_version", None)


def _store_for(app: Flask, engine):
    """Redis when configured (every host); otherwise this process's memory, in front of a file
    every process on this host shares (``CACHE_FILE``), unless that is off or there is nowhere
    sensible to put it (an in-memory database: a test)."""
    config = app.config
    if config.get("REDIS_URL"):
        return RedisStore(config["REDIS_URL"])
    memory = MemoryStore(int(config.get("CACHE_MAX_CHARS", 64 * 1024 * 1024)))
    path = disk_cache_path(config.get("CACHE_FILE", "auto"), engine, app.instance_path)
    if path is None:
        return memory
    far = DiskStore(path, functools.partial(database_identity, engine),
                    int(config.get("CACHE_FILE_MAX_MB", 256)) * 1024 * 1024)
    return TieredStore(memory, far)


def disk_cache_path(setting: str | None, engine, instance_path: str) -> Path | None:
    if not setting or setting == "off":
        return None
    if setting != "auto":
        return Path(setting)
    if engine.dialect.name == "sqlite":
        database = sqlite_file(engine)
        return database.with_name(database.name + ".page-cache") if database is not None else None
    return Path(instance_path) / "page-cache.sqlite3"


def init_app(app: Flask) -> None:
    app.extensions[_EXT] = FragmentCache(app)
    _listen()
    from app.cache import pages
    pages.init_app(app)  # whole pages of a viewer (app/cache/pages.py)


def cache_of(app: Flask | None = None) -> FragmentCache | None:
    app = app or (current_app if has_app_context() else None)
    return app.extensions.get(_EXT) if app is not None else None


def viewer_class(user) -> str:
    """The visibility class of a viewer (``app.forum.access``): everyone in one class sees exactly
    the same content, so may share a fragment. The role is part of it because some controls are."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "anon"
    if user.is_moderator:
        return user.role
    teams = ",".join(str(t) for t in sorted(user.team_ids))
    return f"{user.role}:{teams}"


def fragment(name: str, key: tuple, render: Callable[[], str], *, viewer=None) -> Markup:
    """The cached HTML of ``render()`` for this ``name``, ``key``, viewer class, language and content
    version; rendered (and stored) on a miss, or every time when caching is off or the version
    cannot be read."""
    cache = cache_of()
    version = cache.version() if cache is not None else None
    if version is None:
        return Markup(render())
    locale = get_locale()
    raw = repr((name, key, viewer_class(viewer), str(locale) if locale else "", version))
    cache_key = f"{name}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"
    hit = cache.store.get(cache_key)
    if hit is not None:
        return Markup(hit)
    html = str(render())
    cache.store.set(cache_key, html, cache.ttl)
    return Markup(html)


def render_page(template_name: str, name: str, build: Callable[[], dict], *, viewer=None,
                **shell) -> str:
    """``template_name`` rendered with its ``content`` block cached as a fragment.

    ``build()`` runs the page's queries and returns the block's context: only on a miss. The rest
    of the page (the header with the viewer's name and notifications, flashes, CSRF tokens) is
    rendered per request from ``shell``, which must hold whatever the page's other blocks (title,
    head) use. The key is the path and the whole query string (the block's links keep the other
    arguments), so one block is never served for another set of arguments. The block itself must
    not depend on who the viewer is beyond their class (no "your vote", no CSRF token), and must
    import its macros inside itself: it is rendered without the rest of its template.
    """
    from flask import render_template, request
    from jinja2.utils import concat

    def render() -> str:
        template = current_app.jinja_env.get_template(template_name)
        context = {**shell, **build()}
        current_app.update_template_context(context)
        return concat(template.blocks["content"](template.new_context(context)))

    key = (request.path, tuple(sorted(request.args.items(multi=True))))
    content = fragment(name, key, render, viewer=viewer)
    return render_template(template_name, cached_content=content, **shell)


# --- invalidation ---------------------------------------------------------------------------
_listening = False


def _listen() -> None:
    """Session events (global, connected once per process): a unit of work that changed a shown
    table bumps the version after its commit, before its response is sent."""
    global _listening
    if _listening:
        return
    _listening = True
    event.listen(Session, "before_flush", _flushing)
    event.listen(Session, "do_orm_execute", _executing)
    event.listen(Session, "before_commit", _committing)
    event.listen(Session, "after_soft_rollback", _rolled_back)


def _loud(table_name: str | None) -> bool:
    return table_name not in QUIET_TABLES


def _flushing(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(getattr(obj, "__table__", None), "name", None)
        if _loud(table):
            session.info[_CHANGED] = True
            return


def _executing(state) -> None:
    # Core-style UPDATE/DELETE/INSERT through the session (counters, bulk updates).
    if (state.is_update or state.is_delete or state.is_insert) and \
            not state.execution_options.get("content_quiet"):  # view counters (they are not content)
        table = getattr(state.statement, "table", None)
        if _loud(getattr(table, "name", None)):
            state.session.info[_CHANGED] = True


def _committing(session: Session) -> None:
    if session.info.get(_CHANGED) and not session.info.get("content_bump_queued"):
        from app.db import after_commit

        session.info["content_bump_queued"] = True
        # First: a live notice sent after the commit makes browsers fetch the page at once,
        # and they must get the new one.
        after_commit(session, _bump_after_commit, session, first=True)


def _rolled_back(session: Session, previous) -> None:
    if not previous.nested:
        session.info.pop(_CHANGED, None)
        session.info.pop("content_bump_queued", None)


def _bump_after_commit(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop("content_bump_queued", None)
    cache = cache_of()
    if cache is None:
        return
    try:
        cache.bump()
    except Exception:
        # A version that could not move must not let anyone see old fragments: turn this
        # process's cache off (a restart, once the store works, turns it on again).
        log.exception("content version bump failed: fragment cache disabled in this process")
        cache.enabled = False
