"""Search: an engine behind a port (backend.py), documents built by pure code (documents.py)
from registered sources (sources.py; questions: question_source.py), indexing after commit on
the job pool (indexer.py), the search service (service.py), pages and API.

``connect`` is the one call ``create_app`` makes: it resolves the configuration, registers
the question source (whose receivers connect once per process, whatever the number of apps)
and gives the app a lazily created backend (:func:`get_backend`). No I/O happens until the
first search or index.
"""
from __future__ import annotations

import threading
import time
import weakref
from pathlib import Path

from flask import Flask, current_app

from app.search.backend import SearchBackend, SearchUnavailable, create_backend

_EXT = "search"
# After a failed start, the engine is not tried again for this long: while it is down, a
# search answers 503 at once instead of each one waiting for a connection to time out.
RETRY_AFTER = 5.0


class _Holder:
    def __init__(self, config: dict):
        from app.search.indexer import DrainState

        self.config = config
        self.backend: SearchBackend | None = None
        self.lock = threading.Lock()
        self.failed_at: float | None = None
        self.failure = ""
        self.drain = DrainState()


def _default_db_path(app: Flask) -> str:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    if uri.startswith("sqlite:"):
        path = uri.split("///", 1)[1] if "///" in uri else ""
        if path in ("", ":memory:") or path.startswith("file:"):
            return ":memory:"
        db = Path(path)
        return str(db.with_name(db.stem + ".search.db"))
    return str(Path(app.instance_path) / "search.db")


def connect(app: Flask) -> None:
    """Wire search into ``app`` (idempotent, no I/O)."""
    from app import text
    from app.search import question_source

    if not app.config.get("SEARCH_DB_PATH"):
        app.config["SEARCH_DB_PATH"] = _default_db_path(app)
    text.configure(app.config.get("SEARCH_CACHE_DIR") or app.instance_path)
    holder = _Holder(app.config)
    app.extensions[_EXT] = holder
    # Tests create many apps: close each one's connections when the app goes away.
    weakref.finalize(app, _close, holder)
    question_source.register()


def _close(holder: _Holder) -> None:
    if holder.backend is not None:
        holder.backend.close()


def get_backend(app: Flask | None = None) -> SearchBackend:
    """The app's backend, created on first use (settings applied then, once).

    Raises SearchUnavailable, and only that, when the engine cannot be made ready (server
    down, bad configuration); after a failure it raises at once for RETRY_AFTER seconds."""
    holder: _Holder = (app or current_app).extensions[_EXT]
    if holder.backend is None:
        with holder.lock:
            if holder.backend is None:
                if holder.failed_at is not None and time.monotonic() - holder.failed_at < RETRY_AFTER:
                    raise SearchUnavailable(f"search engine not ready (retrying shortly): {holder.failure}")
                try:
                    backend = create_backend(holder.config)
                    backend.setup()
                except Exception as err:  # the configuration or the server: either way, no search
                    holder.failed_at, holder.failure = time.monotonic(), str(err)[:200]
                    if isinstance(err, SearchUnavailable):
                        raise
                    raise SearchUnavailable(f"search engine could not start: {err}") from err
                holder.backend, holder.failed_at = backend, None
    return holder.backend


def drain_state(app: Flask):
    """The app's index drain loop state (app.search.indexer.index_job)."""
    return app.extensions[_EXT].drain


def set_backend(app: Flask, backend: SearchBackend) -> None:
    """Use ``backend`` for ``app`` (tests, the evaluation harness)."""
    app.extensions[_EXT].backend = backend
