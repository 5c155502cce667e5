"""Sockets end with their credentials: a revoked token's sockets and a user's browser-session
sockets are disconnected after the ending transaction commits, never for a rollback."""
from __future__ import annotations

from flask import g
from sqlalchemy import select

from app import signals
from app.accounts import services as accounts
from app.accounts.models import ApiToken, User
from app.db import utcnow
from app.extensions import socketio
from tests.conftest import PASSWORD


def new_socket(app, **kwargs):
    """A Socket.IO test client, connected with an empty ``g``, as a real server's event has: the
    test's app context lives across clients, and flask-login caches the user in ``g`` (the root
    conftest's ``fresh_g`` does the same for HTTP test requests)."""
    vars(g._get_current_object()).clear()
    return socketio.test_client(app, **kwargs)


def token_socket(app, db, user_id):
    row, plaintext = accounts.create_token(db.session, db.session.get(User, user_id), "socket")
    db.session.commit()
    token_id = row.id  # connecting ends the session this row belongs to
    client = new_socket(app, auth={"token": plaintext})
    assert client.is_connected()
    return token_id, client


def session_socket(app, username, http):
    """A socket opened by a browser session: ``http`` logs in through the form first."""
    response = http.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code in (302, 303)
    sio = new_socket(app, flask_test_client=http)
    assert sio.is_connected()
    return sio


def revoke_as_the_service_does(db, token_id, user_id):
    """What accounts.revoke_token does once it sends its signal (signals.token_revoked)."""
    token = db.session.get(ApiToken, token_id)
    token.revoked_at = utcnow()
    signals.token_revoked.send(token, by=db.session.get(User, user_id))


def test_revoking_a_token_disconnects_its_sockets_only(app, db, make_user, client):
    user = make_user("expert")
    user_id, username = user.id, user.username  # each connect ends the session the row is in
    browser = session_socket(app, username, client)
    token_id, revoked = token_socket(app, db, user_id)
    _, kept = token_socket(app, db, user_id)

    revoke_as_the_service_does(db, token_id, user_id)
    assert revoked.is_connected(), "disconnected before the revocation committed"
    db.session.commit()

    assert not revoked.is_connected()
    assert kept.is_connected() and browser.is_connected()


def test_a_rolled_back_revocation_disconnects_nothing(app, db, make_user):
    user_id = make_user("staff").id
    token_id, sock = token_socket(app, db, user_id)
    revoke_as_the_service_does(db, token_id, user_id)
    db.session.rollback()
    assert sock.is_connected()
    db.session.commit()  # a later, unrelated commit does not run the dropped callback either
    assert sock.is_connected()


def test_ending_sessions_disconnects_the_users_browser_sockets(app, db, make_user, client):
    user, other = make_user("staff"), make_user("staff")
    user_id, username, other_name = user.id, user.username, other.username
    other_browser = session_socket(app, other_name, app.test_client())
    browser = session_socket(app, username, client)
    _, api = token_socket(app, db, user_id)

    ended = db.session.get(User, user_id)
    signals.sessions_ended.send(ended, by=ended)
    assert browser.is_connected()
    db.session.commit()

    assert not browser.is_connected()
    assert api.is_connected(), "a token socket ends with its token, not with browser sessions"
    assert other_browser.is_connected()


def test_a_disconnected_socket_is_forgotten(app, db, make_user):
    from app.realtime.server import realtime_of

    token_id, sock = token_socket(app, db, make_user("expert").id)
    sock.disconnect()
    assert realtime_of(app).registry.take(f"token:{token_id}") == []


def test_revoking_through_the_accounts_service_disconnects(app, db, make_user):
    user_id = make_user("expert").id
    token_id, sock = token_socket(app, db, user_id)
    accounts.revoke_token(db.session, token_id, by=db.session.get(User, user_id))
    db.session.commit()
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == token_id)) is not None
    assert not sock.is_connected()


def test_a_revocation_committed_while_the_socket_connects_still_ends_it(app, db, make_user, monkeypatch):
    """The revocation commits after the connect handler checked the token but before the socket
    counts as connected: the first disconnect pass cannot reach it, the second one does."""
    import time

    from sqlalchemy.orm import Session

    from app.db import intent
    from app.realtime import credentials, events

    monkeypatch.setattr(credentials, "SECOND_PASS_AFTER", 0.1)
    user_id = make_user("expert").id
    row, plaintext = accounts.create_token(db.session, db.session.get(User, user_id), "racing")
    db.session.commit()
    token_id = row.id
    checked = events._credentials

    def check_then_revoke(auth):
        found = checked(auth)
        with intent(True), Session(db.engine) as other:  # another request, committing meanwhile
            token = other.get(ApiToken, token_id)
            token.revoked_at = utcnow()
            signals.token_revoked.send(token, by=other.get(User, user_id))
            other.commit()
        return found

    monkeypatch.setattr(events, "_credentials", check_then_revoke)
    sock = new_socket(app, auth={"token": plaintext})
    assert sock.is_connected()  # the check passed before the revocation committed
    deadline = time.monotonic() + 5
    while sock.is_connected() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not sock.is_connected(), "the socket outlived the revocation that raced its connect"
