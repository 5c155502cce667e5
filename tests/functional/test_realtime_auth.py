"""Socket.IO refuses unauthenticated connections and accepts a session or an API token."""
from app.extensions import socketio


def test_anonymous_connection_is_refused(app):
    client = socketio.test_client(app)
    assert not client.is_connected()


def test_bad_token_is_refused(app):
    client = socketio.test_client(app, auth={"token": "qa_not-a-token"})
    assert not client.is_connected()


def test_token_connects(app, make_user, token_for):
    token = token_for(make_user("expert"))["Authorization"].split()[1]
    client = socketio.test_client(app, auth={"token": token})
    assert client.is_connected()
    client.disconnect()


def test_session_cookie_connects(app, client, make_user, login):
    login(make_user("staff"))
    sio = socketio.test_client(app, flask_test_client=client)
    assert sio.is_connected()
    sio.disconnect()
