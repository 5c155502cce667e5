"""Fingerprinted static files (DESIGN.md: fast pages).

Every ``url_for('static', filename=...)`` gets ``?v=`` and the first 12 hex digits of the file's
SHA-256. A request that carries the file's current fingerprint may be kept by browsers and proxies
for a year (``immutable``): a changed file has a new address, so nobody keeps an old copy of it.
Requests without it (or with an old one) revalidate every time (``no-cache``, answered 304 through
the ETag and Last-Modified that Flask's ``send_file`` sets). In production nginx serves
``/static/`` itself with the same rule (deploy/nginx.conf.template).
"""
from __future__ import annotations

import hashlib
import os
import threading

from flask import Flask, request

YEAR = 365 * 24 * 3600
_lock = threading.Lock()


class Fingerprints:
    def __init__(self, folder: str, recheck: bool):
        self.folder, self.recheck = folder, recheck
        self._known: dict[str, tuple[int, str | None]] = {}

    def of(self, filename: str) -> str | None:
        """The file's fingerprint, None if there is no such file. Hashed once per process
        (or again when it changed, in debug mode)."""
        known = self._known.get(filename)
        if known is not None and not self.recheck:
            return known[1]
        path = os.path.join(self.folder, filename)
        try:
            mtime = os.stat(path).st_mtime_ns
        except (OSError, ValueError):
            return None
        if known is not None and known[0] == mtime:
            return known[1]
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:12]
        with _lock:
            self._known[filename] = (mtime, digest)
        return digest


def init_app(app: Flask) -> None:
    prints = Fingerprints(app.static_folder, recheck=app.debug)

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            found = prints.of(values["filename"])
            if found:
                values["v"] = found

    def max_age(filename: str | None) -> int | None:
        wanted = request.args.get("v")
        return YEAR if filename and wanted and wanted == prints.of(filename) else None

    app.get_send_file_max_age = max_age

    @app.after_request
    def _immutable(response):
        if request.endpoint == "static" and response.cache_control.max_age == YEAR:
            response.cache_control.public = True
            response.cache_control.immutable = True
        elif request.endpoint == "static":
            response.cache_control.no_cache = True
        return response
