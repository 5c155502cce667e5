"""Search: an engine behind a port (backend.py), documents built by pure code (documents.py),
indexing after commit (indexer.py), the search service (service.py), pages and API.

``init_app`` is the one call ``create_app`` makes: it resolves the configuration, connects
the signal receivers (once per process, whatever the number of apps) and gives the app a
lazily created backend (:func:`get_backend`). No I/O happens until the first search or index.
"""
from __future__ import annotations

import threading
import weakref
from pathlib import Path

from flask import Flask, current_app

from app.search.backend import SearchBackend, create_backend

_EXT = "search"


class _Holder:
    def __init__(self, config: dict):
        self.config = config
        self.backend: SearchBackend | None = None
        self.lock = threading.Lock()


def _default_db_path(app: Flask) -> str:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    if uri.startswith("sqlite:"):
        path = uri.split("///", 1)[1] if "///" in uri else ""
        if path in ("", ":memory:") or path.startswith("file:"):
            return ":memory:"
        db = Path(path)
        return str(db.with_name(db.stem + ".search.db"))
    return str(Path(app.instance_path) / "search.db")


def init_app(app: Flask) -> None:
    """Wire search into ``app`` (idempotent, no I/O)."""
    from app import text
    from app.search import indexer

    if not app.config.get("SEARCH_DB_PATH"):
        app.config["SEARCH_DB_PATH"] = _default_db_path(app)
    text.configure(app.config.get("SEARCH_CACHE_DIR") or app.instance_path)
    holder = _Holder(app.config)
    app.extensions[_EXT] = holder
    # Tests create many apps: close each one's connections when the app goes away.
    weakref.finalize(app, _close, holder)
    indexer.connect_receivers()


def _close(holder: _Holder) -> None:
    if holder.backend is not None:
        holder.backend.close()


def get_backend(app: Flask | None = None) -> SearchBackend:
    """The app's backend, created on first use (settings applied then, once)."""
    holder: _Holder = (app or current_app).extensions[_EXT]
    if holder.backend is None:
        with holder.lock:
            if holder.backend is None:
                backend = create_backend(holder.config)
                backend.setup()
                holder.backend = backend
    return holder.backend


def set_backend(app: Flask, backend: SearchBackend) -> None:
    """Use ``backend`` for ``app`` (tests, the evaluation harness)."""
    app.extensions[_EXT].backend = backend
