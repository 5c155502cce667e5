"""Cached pages are never stale and never leak, through real servers (issue 12).

``gunicorn -w 2`` (two processes, each with its own in-memory fragment cache, sharing the content
version: a file beside SQLite, a sequence on PostgreSQL) and the nginx topology (Redis holds the
version and the fragments). Every kind of viewer first loads the cached pages, so that each class
has a copy; then a question of each visibility is asked through the API, and every viewer reads
the pages again at once: each sees exactly what it may see, on whichever process answers.
"""
from __future__ import annotations

import re
import time
import urllib.parse
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


def test_whole_pages_are_fresh_per_viewer_and_revalidate_through_the_server(served):
    """The question page, the asker's notifications and search come whole from the page cache
    (app.cache.pages) on repeat visits; an answer posted through the API is on each of them at
    once, for each viewer, on either process; a 304 is only ever sent for an unchanged page."""
    base = served.url
    team = f"whole{uuid.uuid4().hex[:4]}"
    asker = f"fresh_asker_{uuid.uuid4().hex[:6]}"
    asker_token = flask_cli(served.database_url, "qa", "create-user", asker, "--role", "staff", "--team", team,
                            "--password", PASSWORD, "--print-token").stdout.strip().splitlines()[-1]
    viewers = {"anonymous": browser(base, None), "customer": browser(base, make_user(served, "customer")),
               "asker": browser(base, asker), "member": browser(base, make_user(served, "staff", team))}
    token = flask_cli(served.database_url, "qa", "create-user", f"answerer_{team}", "--role", "staff", "--team",
                      team, "--print-token").stdout.strip().splitlines()[-1]
    word = f"zebra{uuid.uuid4().hex[:6]}"
    made = {}
    for visibility in ("public", "team"):
        body = {"title": f"Which {word} fee applies to a {visibility} card?", "tags": ["fresh"],
                "body": "A replacement card was sent abroad twice; which fee applies?", "visibility": visibility,
                **({"team": team} if visibility == "team" else {})}
        done = requests.post(f"{base}/api/v1/questions", json=body, timeout=30,
                             headers={"Authorization": f"Bearer {asker_token}"})
        assert done.status_code == 201, done.text
        made[visibility] = base + urllib.parse.urlsplit(done.json()["url"]).path
    may_see = {"anonymous": {"public"}, "customer": {"public"}, "asker": {"public", "team"},
               "member": {"public", "team"}}
    etags = {}
    for who, web in viewers.items():
        for visibility, url in made.items():
            for _ in range(6):           # until a process has it cached (a login is checked first)
                got = web.get(url, timeout=30)
                assert got.status_code == (200 if visibility in may_see[who] else 404), (who, url)
                if got.status_code != 200 or "ETag" in got.headers:
                    break
            if got.status_code == 200:
                # Background jobs (routing the new questions, their notifications) may still move
                # the content version: then the page did change, and 200 is right. Once they
                # settle, the same page is "not modified".
                for _ in range(20):
                    etag = web.get(url, timeout=30).headers.get("ETag")
                    again = web.get(url, headers={"If-None-Match": etag or '"none"'}, timeout=30)
                    if again.status_code == 304:
                        break
                    time.sleep(0.25)
                assert again.status_code == 304 and not again.content, served.report(f"{who}: no 304 for {url}")
                etags[(who, visibility)] = etag
        for _ in range(2):
            web.get(f"{base}/search?q={word}", timeout=30)
    inbox = [viewers["asker"].get(f"{base}/notifications", timeout=30).text for _ in range(3)][-1]
    question_id = int(re.search(r"/questions/(\d+)", made["team"]).group(1))
    posted = requests.post(f"{base}/api/v1/questions/{question_id}/answers", timeout=30,
                           json={"body": f"The {word} fee is waived for the second card."},
                           headers={"Authorization": f"Bearer {token}"})
    assert posted.status_code == 201, posted.text
    for who, web in viewers.items():
        for _ in range(2):               # the very next request, and the one after (the other process)
            got = web.get(made["team"], headers={"If-None-Match": etags.get((who, "team"), '"none"')},
                          timeout=30)
            if "team" in may_see[who]:
                assert got.status_code == 200 and "is waived for the second card" in got.text, \
                    served.report(f"{who} did not see the answer at once")
            else:
                assert got.status_code == 404 and "is waived" not in got.text
            results = web.get(f"{base}/search?q={word}", timeout=30).text
            assert ("team card?" in results) == ("team" in may_see[who]), served.report(f"{who} search")
    assert viewers["asker"].get(f"{base}/notifications", timeout=30).text != inbox  # the new answer's notice
