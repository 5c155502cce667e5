"""Fingerprinted static files (app/assets.py, issue 12): pages link them with their content hash,
such URLs are cached for a year as immutable, and anything else revalidates."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path


def test_pages_link_static_files_by_content_and_those_urls_never_change(client, app):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', html)
    assert css, "the stylesheet is linked with its fingerprint"
    content = (Path(app.static_folder) / "css" / "app.css").read_bytes()
    assert css.group(2) == hashlib.sha256(content).hexdigest()[:12]
    assert re.search(r'<script src="/static/js/app\.js\?v=[0-9a-f]{12}" defer>', html)
    fresh = client.get(css.group(1))
    assert fresh.status_code == 200 and fresh.data == content
    assert {"public", "max-age=31536000", "immutable"} <= {p.strip() for p in fresh.headers["Cache-Control"].split(",")}


def test_unfingerprinted_or_outdated_urls_revalidate(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        plain = client.get(url)
        assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
        again = client.get(url, headers={"If-None-Match": plain.headers["ETag"]})
        assert again.status_code == 304
