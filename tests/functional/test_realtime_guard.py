"""The Engine.IO admission rules (app.realtime.guard): first on plain values with a fake clock,
then through Flask-SocketIO's test client, which runs the same handshake and connect hooks as a
real server (tests/system/test_topology.py covers the real transports)."""
from __future__ import annotations

import time

import pytest
from flask import g

from app import create_app
from app.extensions import db as _db
from app.extensions import socketio
from app.realtime import guard as rules
from app.realtime.server import realtime_of
from config import TestingConfig
from tests.conftest import PASSWORD


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def make_guard(**limits):
    clock = Clock()
    return rules.ConnectionGuard(rules.Limits(**{"window": 10, "max_pending_per_address": 2, "max_per_user": 2,
                                         "max_per_address": 3, **limits}), clock=clock), clock


# --- the rules on plain values ------------------------------------------------------------------

def test_pending_sessions_are_capped_per_address():
    guard, _ = make_guard()
    assert guard.admit("a", "10.0.0.1") == (None, True)   # the first pending session starts the sweeper
    assert guard.admit("b", "10.0.0.1") == (None, False)
    assert guard.admit("c", "10.0.0.1") == (rules.TOO_MANY_PENDING, False)
    assert guard.admit("d", "10.0.0.2")[0] is None        # another address has its own allowance
    guard.release("a")
    assert guard.admit("c", "10.0.0.1")[0] is None


def test_a_handshake_with_credentials_is_never_pending():
    guard, _ = make_guard()
    guard.admit("a", "10.0.0.1")
    guard.admit("b", "10.0.0.1")
    assert guard.admit("c", "10.0.0.1", user_id=7) == (None, False)
    assert guard.counts()["pending"] == {"10.0.0.1": 2}
    assert guard.counts()["by_user"] == {7: 1}


def test_authenticated_sessions_are_capped_per_user_and_per_address():
    guard, _ = make_guard()
    for sid, address in (("a", "10.0.0.1"), ("b", "10.0.0.2"), ("c", "10.0.0.3")):
        guard.admit(sid, address)
    assert guard.authenticate("a", 1) is None
    assert guard.authenticate("b", 1) is None
    assert guard.authenticate("c", 1) == rules.TOO_MANY_FOR_USER
    assert guard.counts()["pending"] == {"10.0.0.3": 1}   # the refused session stays as it was
    assert guard.authenticate("c", 2) is None

    guard, _ = make_guard(max_pending_per_address=10)
    for n, sid in enumerate("abcd"):
        guard.admit(sid, "10.0.0.9")
        expected = None if n < 3 else rules.TOO_MANY_FOR_ADDRESS
        assert guard.authenticate(sid, 10 + n) == expected
    assert guard.admit("e", "10.0.0.9", user_id=99)[0] == rules.TOO_MANY_FOR_ADDRESS


def test_authenticating_twice_as_the_same_user_counts_once():
    guard, _ = make_guard()
    guard.admit("a", "10.0.0.1", user_id=5)
    assert guard.authenticate("a", 5) is None
    assert guard.counts()["by_user"] == {5: 1}
    assert guard.authenticate("never-admitted", 5) == rules.NOT_ADMITTED


def test_pending_sessions_expire_after_the_window():
    guard, clock = make_guard()
    guard.admit("old", "10.0.0.1")
    clock.now += 6
    guard.admit("young", "10.0.0.2")
    guard.admit("known", "10.0.0.3", user_id=1)
    clock.now += 4
    assert guard.sweep() == (["old"], False)              # "young" is still pending: keep sweeping
    guard.release("old")
    clock.now += 6
    assert guard.sweep() == (["young"], True)             # nothing else pending: the sweeper stops
    guard.release("young")
    assert guard.admit("new", "10.0.0.1") == (None, True)  # ... and the next pending session restarts it


def test_a_session_whose_socket_disconnected_is_pending_again():
    guard, clock = make_guard()
    guard.admit("a", "10.0.0.1", user_id=3)
    assert guard.unauthenticate("a") is True
    assert guard.counts()["by_user"] == {} and guard.counts()["pending"] == {"10.0.0.1": 1}
    clock.now += 11
    assert guard.sweep() == (["a"], True)
    guard.release("a")
    guard.release("a")                                   # idempotent
    assert guard.counts() == {"sessions": 0, "pending": {}, "by_user": {}, "by_address": {}}


# --- through the Socket.IO test client ----------------------------------------------------------

WINDOW = 60  # long enough that nothing expires during a test, except where a test shortens it


@pytest.fixture
def app(tmp_path):
    """Overrides the root ``app``: small caps (the root's user fixtures then run against it)."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'guard.db'}",
                     REALTIME_MAX_PENDING_PER_ADDRESS=2, REALTIME_MAX_PER_USER=2, REALTIME_MAX_PER_ADDRESS=3,
                     REALTIME_AUTH_WINDOW=WINDOW)
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def connect(app, address, auth=None, http=None):
    """A Socket.IO test client whose handshake comes from ``address`` (with ``http``'s cookies)."""
    http = http or app.test_client()
    http.environ_base["REMOTE_ADDR"] = address
    vars(g._get_current_object()).clear()  # as a real server's event: no user cached by an earlier one
    return socketio.test_client(app, auth=auth, flask_test_client=http)


def token_of(token_for, user) -> dict:
    return {"token": token_for(user)["Authorization"].split()[1]}


def handshake(app, address) -> str | None:
    """Run the Engine.IO handshake hook as the Engine.IO server does; its refusal (the 401's
    message) or None. The test client ignores the hook's answer, so refusals are read here."""
    environ = app.test_client().get("/").request.environ  # any real environ, from ``address``
    environ["REMOTE_ADDR"] = address
    return socketio.server._handle_eio_connect(f"probe-{address}-{time.monotonic_ns()}", environ)


def test_anonymous_handshakes_fill_the_pending_allowance_of_their_address_only(app, make_user, token_for):
    anonymous = [connect(app, "10.1.1.1") for _ in range(2)]
    assert not any(c.is_connected() for c in anonymous)           # refused, but their sessions stay pending
    assert realtime_of(app).guard.counts()["pending"] == {"10.1.1.1": 2}

    assert handshake(app, "10.1.1.1") == rules.TOO_MANY_PENDING        # no third session from that address
    assert connect(app, "10.1.1.2", token_of(token_for, make_user("staff"))).is_connected()

    # A browser session is known at the handshake: it does not need a pending slot.
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = "10.1.1.1"
    user = make_user("expert")
    response = http.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code in (302, 303)
    assert connect(app, "10.1.1.1", http=http).is_connected()
    assert realtime_of(app).guard.counts()["by_user"][user.id] == 1


def test_connections_are_capped_per_user(app, make_user, token_for):
    user = make_user("expert")
    first, second = (connect(app, f"10.2.0.{n}", token_of(token_for, user)) for n in (1, 2))
    assert first.is_connected() and second.is_connected()
    third = connect(app, "10.2.0.3", token_of(token_for, user))
    assert not third.is_connected()
    assert connect(app, "10.2.0.3", token_of(token_for, make_user("staff"))).is_connected()

    first.disconnect()  # frees a place
    assert connect(app, "10.2.0.4", token_of(token_for, user)).is_connected()


def test_connections_are_capped_per_address(app, make_user, token_for):
    clients = [connect(app, "10.3.0.1", token_of(token_for, make_user("staff"))) for _ in range(3)]
    assert all(c.is_connected() for c in clients)
    assert not connect(app, "10.3.0.1", token_of(token_for, make_user("staff"))).is_connected()


def test_a_session_that_does_not_authenticate_in_time_is_closed(app):
    realtime = realtime_of(app)
    realtime.guard.limits = rules.Limits(window=0.2)
    client = connect(app, "10.4.0.1")
    assert realtime.guard.counts()["pending"] == {"10.4.0.1": 1}
    deadline = time.monotonic() + 5
    while realtime.guard.counts()["sessions"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert realtime.guard.counts()["sessions"] == 0, "the sweeper did not close the pending session"
    # The closed session can no longer authenticate.
    assert realtime.authenticate({"qaforum.realtime.eio_sid": client.eio_sid}, 1) == rules.NOT_ADMITTED
