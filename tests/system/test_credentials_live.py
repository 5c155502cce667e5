"""Sockets end with their credentials across processes (issue 8, section 2), on the production
topology: two gevent instances and Redis. A socket held by instance A is disconnected when the
credential that opened it ends in another process."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.system import sockets
from tests.system.servers import ROOT, flask_cli

pytestmark = pytest.mark.system

PASSWORD = "system-tests-password-1"

@pytest.fixture(scope="module")
def topology(serve, plain_template):
    return serve("topology", plain_template)


def end_credential(topology, kind: str, ident: int) -> None:
    """End it in a separate process (tests/system/end_credentials.py), neither A nor B."""
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "FORUM_ENV")}
    env.update(DATABASE_URL=topology.database_url, REDIS_URL=topology.server.redis_url, FORUM_ENV="development")
    proc = subprocess.run([sys.executable, "-m", "tests.system.end_credentials", kind, str(ident)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, topology.report(proc.stdout + proc.stderr)


def token_id_of(database_url: str, user_id: int) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT id FROM api_tokens WHERE user_id = :u AND revoked_at IS NULL"),
                                {"u": user_id}).scalar_one()
    finally:
        engine.dispose()


def browser_user(topology) -> tuple[str, int]:
    """A user with a password (the population's accounts are token-only), via the CLI."""
    name = f"browser_{uuid.uuid4().hex[:8]}"
    out = flask_cli(topology.database_url, "qa", "create-user", name, "--role", "staff", "--password", PASSWORD)
    return name, int(out.stdout.split("(id ")[1].split(",")[0])


def test_a_revocation_in_another_process_disconnects_the_tokens_socket_on_instance_a(topology):
    a, b = topology.server.instance_urls
    person, bystander = topology.people.writers[40], topology.people.writers[41]
    doomed = sockets.connect(a, "websocket", token=person.token)
    kept = sockets.connect(b, "polling", token=bystander.token)
    try:
        end_credential(topology, "token", token_id_of(topology.database_url, person.id))
        gone = doomed.wait_gone(10)
        kept_up = not kept.wait_gone(1)
    finally:
        doomed.close()
        kept.close()
    assert gone and kept_up, topology.report(f"revoked socket gone: {gone}; other user's socket up: {kept_up}")
    # The revoked token no longer opens a socket, on either instance.
    for url in (a, b):
        with pytest.raises(Exception):
            sockets.connect(url, "websocket", token=person.token)


def test_ending_sessions_in_another_process_disconnects_the_browser_socket_on_instance_a(topology):
    a, b = topology.server.instance_urls
    name, user_id = browser_user(topology)
    browser = sockets.browser_login(b, name, PASSWORD)  # logged in on B, socket on A: one shared session key
    doomed = sockets.connect(a, "websocket", headers=sockets.cookie_header(browser))
    person = topology.people.writers[42]
    kept = sockets.connect(a, "websocket", token=person.token)
    try:
        end_credential(topology, "sessions", user_id)
        gone = doomed.wait_gone(10)
        kept_up = not kept.wait_gone(1)
    finally:
        doomed.close()
        kept.close()
    assert gone and kept_up, topology.report(f"browser socket gone: {gone}; token socket up: {kept_up}")


def test_revoking_on_instance_b_disconnects_the_socket_on_instance_a(topology):
    """The whole path through HTTP: the token's owner revokes it on B's settings page."""
    a, b = topology.server.instance_urls
    name, user_id = browser_user(topology)
    browser = sockets.browser_login(b, name, PASSWORD)
    page = browser.post(f"{b}/settings/tokens", data={"name": "socket", "csrf_token": _csrf(browser, b)},
                        timeout=30)
    plaintext = re.search(r'id="token-value"[^>]*value="([^"]+)"', page.text).group(1)
    token_id = token_id_of(topology.database_url, user_id)
    doomed = sockets.connect(a, "websocket", token=plaintext)
    try:
        response = browser.post(f"{b}/settings/tokens/{token_id}/revoke", data={"csrf_token": _csrf(browser, b)},
                                allow_redirects=False, timeout=30)
        assert response.status_code in (302, 303), topology.report(response.text[:500])
        assert doomed.wait_gone(10), topology.report("the socket outlived its revoked token")
    finally:
        doomed.close()


def _csrf(http: requests.Session, base_url: str) -> str:
    page = http.get(f"{base_url}/settings/tokens", timeout=30).text
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
