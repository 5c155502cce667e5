"""Cached pages are never stale and never leak, through real servers (issue 12).

``gunicorn -w 2`` (two processes, each with its own in-memory fragment cache, sharing the content
version: a file beside SQLite, a sequence on PostgreSQL) and the nginx topology (Redis holds the
version and the fragments). Every kind of viewer first loads the cached pages, so that each class
has a copy; then a question of each visibility is asked through the API, and every viewer reads
the pages again at once: each sees exactly what it may see, on whichever process answers.
"""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.system.servers import flask_cli

pytestmark = pytest.mark.system

PASSWORD = "fresh-pages-1"
PATHS = ["/", "/tags/fresh", "/experts?tag=fresh"]


@pytest.fixture(scope="module", params=["gunicorn-sync", "topology"])
def served(request, serve, plain_template):
    return serve(request.param, plain_template)


def make_user(served, role: str, team: str | None = None) -> str:
    name = f"fresh_{role}_{uuid.uuid4().hex[:6]}"
    args = ["qa", "create-user", name, "--role", role, "--password", PASSWORD]
    flask_cli(served.database_url, *args, *(["--team", team] if team else []), "--print-token")
    return name


def browser(base: str, username: str | None) -> requests.Session:
    """A session logged in through the real form (or anonymous)."""
    web = requests.Session()
    if username:
        page = web.get(f"{base}/login", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        done = web.post(f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                        timeout=30)
        assert done.status_code == 200 and "/login" not in done.url, done.text[:500]
    return web


def test_a_write_is_on_the_next_page_for_every_viewer_and_nobody_sees_more(served):
    base = served.url
    team = f"fresh{uuid.uuid4().hex[:4]}"
    member = make_user(served, "staff", team)
    viewers = {"anonymous": browser(base, None), "customer": browser(base, make_user(served, "customer")),
               "staff": browser(base, make_user(served, "staff")), "member": browser(base, member)}
    for web in viewers.values():
        for path in PATHS:
            for _ in range(3):           # both processes (or instances), so each has a cached copy
                assert web.get(base + path, timeout=30).status_code in (200, 404)
    token = flask_cli(served.database_url, "qa", "create-user", f"asker_{team}", "--role", "staff", "--team", team,
                      "--print-token").stdout.strip().splitlines()[-1]
    titles = {}
    for visibility in ("public", "internal", "team"):
        title = f"Fresh {visibility} question {uuid.uuid4().hex[:8]} about card fees"
        body = {"title": title, "body": "Which fee applies to a replacement card sent abroad?",
                "tags": ["fresh"], "visibility": visibility, **({"team": team} if visibility == "team" else {})}
        made = requests.post(f"{base}/api/v1/questions", json=body, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
        assert made.status_code == 201, made.text
        titles[visibility] = title
        may_see = {"anonymous": {"public"}, "customer": {"public"}, "staff": {"public", "internal"},
                   "member": {"public", "internal", "team"}}
        for who, web in viewers.items():
            for path in PATHS[:2]:
                for _ in range(2):       # the very next request, and the one after (the other process)
                    html = web.get(base + path, timeout=30).text
                    for seen_visibility, seen_title in titles.items():
                        assert (seen_title in html) == (seen_visibility in may_see[who]), \
                            served.report(f"{who} {path}: {seen_title!r}")
