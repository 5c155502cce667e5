"""The documented commands serve Socket.IO (issue 8, section 3), tested by starting them.

* ``gevent``: ``gunicorn -c deploy/gunicorn.conf.py -k gevent -w 1``, the single-process command;
* ``topology``: ``deploy/serve.py`` (``make serve-prod``): nginx, two gevent instances, Redis.

Both run with a short authentication window and small caps (GUARD below) so that the guard's
rules show within seconds; clients connect from loopback, i.e. all from one address.
"""
from __future__ import annotations

import time

import pytest
import requests
import socketio

from tests.system import sockets

pytestmark = pytest.mark.system

GUARD = {"REALTIME_AUTH_WINDOW": "3", "REALTIME_MAX_PENDING_PER_ADDRESS": "5", "REALTIME_MAX_PER_USER": "3"}
KINDS = ["gevent", "topology"]


@pytest.fixture(scope="module", params=KINDS)
def served(request, serve, plain_template):
    return serve(request.param, plain_template, **GUARD)


@pytest.fixture(scope="module")
def topology(serve, plain_template):
    return serve("topology", plain_template, **GUARD)


def other_requests_answer(base_url: str, n: int = 20) -> list:
    """``n`` page loads, each given 10 s (a stalled site takes 30 s or never answers)."""
    statuses = []
    for _ in range(n):
        try:
            statuses.append(requests.get(f"{base_url}/", timeout=10).status_code)
        except requests.RequestException as exc:
            statuses.append(repr(exc))
    return statuses


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_every_connection_succeeds(served, transport):
    """Ten token clients in a row connect over each transport (each its own account, so the
    per-user cap plays no part); over polling, every request of a session must reach the process
    that holds it."""
    people, results = served.people.writers[10:20], []
    for person in people:
        try:
            sock = sockets.connect(served.url, transport, token=person.token)
            results.append(sock.client.connected and sock.client.transport() == transport)
            sock.close()
        except socketio.exceptions.ConnectionError as exc:
            results.append(repr(exc))
    assert results == [True] * len(people), served.report(f"{transport}: {results}")


@pytest.mark.parametrize("idle", [2, 50])
def test_idle_unauthenticated_websockets_do_not_stall_the_site(served, idle):
    """``idle`` WebSockets that never authenticate: at most the pending cap of them is admitted
    (the rest get 401 at the handshake), pages keep answering, and a client whose handshake
    carries its token connects even while the address's pending allowance is full."""
    cap = int(GUARD["REALTIME_MAX_PENDING_PER_ADDRESS"])
    opened = [sockets.raw_websocket(served.url) for _ in range(idle)]
    held = [ws for ws, _ in opened if ws is not None]
    refused = [status for ws, status in opened if ws is None]
    try:
        statuses = other_requests_answer(served.url)
        person = served.people.writers[20 + idle % 7]
        sock = sockets.connect(served.url, "websocket", token=person.token,
                               headers={"Authorization": f"Bearer {person.token}"})
        connected = sock.client.connected
        sock.close()
    finally:
        for ws in held:
            ws.close()
    report = served.report(f"admitted {len(held)}, refused {refused}, pages {statuses}")
    assert len(held) == min(idle, cap) and refused == [401] * (idle - len(held)), report
    assert statuses == [200] * len(statuses) and connected, report


def test_an_unauthenticated_session_is_closed_after_the_window(served):
    """An Engine.IO session that never authenticates is closed after REALTIME_AUTH_WINDOW (3 s
    here; the sweeper adds up to a quarter of it); an authenticated one stays."""
    ws, opening = sockets.raw_websocket(served.url)
    assert ws is not None, served.report(f"handshake refused: {opening}")
    person = served.people.writers[30]
    sock = sockets.connect(served.url, "websocket", token=person.token)
    try:
        closed_after = sockets.wait_closed(ws, timeout=15)
        still = sock.client.connected and not sock.gone.is_set()
    finally:
        ws.close()
        sock.close()
    report = served.report(f"unauthenticated session closed after {closed_after}s; authenticated still up: {still}")
    assert closed_after is not None and closed_after >= 2.5, report
    assert still, report


def test_a_forged_forwarded_for_does_not_buy_more_pending_sessions(served):
    """Whatever a client writes into X-Forwarded-For, its address is the one the server (or
    nginx, for the topology) saw: the sixth pending session from loopback is refused."""
    cap = int(GUARD["REALTIME_MAX_PENDING_PER_ADDRESS"])
    held = [sockets.raw_websocket(served.url)[0] for _ in range(cap)]
    try:
        forged, status = sockets.raw_websocket(served.url, headers=["X-Forwarded-For: 203.0.113.9"])
        if forged is not None:
            forged.close()
    finally:
        for ws in held:
            if ws is not None:
                ws.close()
    assert None not in held and forged is None and status == 401, served.report(f"forged: {status}")


def test_connections_per_user_are_capped(served):
    """REALTIME_MAX_PER_USER (3 here) sockets per user; a place frees up when one disconnects."""
    cap = int(GUARD["REALTIME_MAX_PER_USER"])
    person = served.people.writers[31]
    held = [sockets.connect(served.url, "websocket", token=person.token) for _ in range(cap)]
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            sockets.connect(served.url, "websocket", token=person.token)
        held.pop().close()
        deadline, again = time.monotonic() + 10, None
        while again is None and time.monotonic() < deadline:  # the server releases the place asynchronously
            try:
                again = sockets.connect(served.url, "websocket", token=person.token)
            except socketio.exceptions.ConnectionError:
                time.sleep(0.2)
        assert again is not None, served.report("no place after a disconnect")
        held.append(again)
    finally:
        for sock in held:
            sock.close()


def test_a_notification_committed_on_one_instance_reaches_a_socket_on_the_other(topology):
    """The last hop across processes: an expert's socket on instance A receives the ``routed``
    notification of a question routed through instance B (Redis message queue)."""
    a, b = topology.server.instance_urls
    people = topology.people
    expert, moderator = people.writers[0], people.moderators[0]
    sock = sockets.connect(a, "websocket", token=expert.token)
    try:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {moderator.token}"
        asked = http.post(f"{b}/api/v1/questions", timeout=60, json={
            "title": "Routing across instances: who knows the card tool?", "tags": ["cards"],
            "body": "A question for one expert, asked on instance B.", "visibility": "public"})
        assert asked.status_code == 201, topology.report(asked.text)
        qid = asked.json()["id"]
        routed = http.post(f"{b}/api/v1/questions/{qid}/routing", json={"user": expert.id}, timeout=60)
        # 409: the routing job already asked this expert, which notifies them just the same.
        assert routed.status_code in (201, 409), topology.report(routed.text)
        deadline, got = time.monotonic() + 15, []
        while time.monotonic() < deadline and not any(n.get("question_id") == qid for n in got):
            try:
                got.append(sock.notifications.get(timeout=0.5))
            except Exception:  # queue.Empty: keep waiting until the deadline
                pass
    finally:
        sock.close()
    assert any(n.get("question_id") == qid and n.get("kind") == "routed" for n in got), \
        topology.report(f"notifications received on A: {got}")
