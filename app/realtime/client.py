"""The browser's Socket.IO client: a pinned npm package (package.json, package-lock.json) that
``make install`` copies to ``static/vendor/socket.io.min.js`` (git-ignored). Without npm the
file is missing, the pages load no live script, and everything else works as before.
"""
from __future__ import annotations

from pathlib import Path

VENDOR_FILE = "vendor/socket.io.min.js"


def init_app(app) -> None:
    """``live_scripts`` in every template: the static paths to load for a logged-in page, or ()
    when the client was not installed (checked once, at startup)."""
    present = (Path(app.static_folder) / VENDOR_FILE).is_file() and app.config.get("LIVE_UPDATES", True)
    scripts = (VENDOR_FILE, "js/live.js") if present else ()
    if getattr(app, "_live_client_wired", False):
        return
    app._live_client_wired = True

    @app.context_processor
    def _live_scripts():
        return {"live_scripts": scripts}
