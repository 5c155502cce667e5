"""The last hop: a notification committed by a request reaches the recipient's socket as the
event ``notification``, with the same JSON as GET /api/v1/notifications (API.md, Real time)."""
from __future__ import annotations

from factories import history

from app.extensions import socketio


def _events(sio, name: str = "notification") -> list[dict]:
    return [e["args"][0] for e in sio.get_received() if e["name"] == name]


def test_a_routed_question_arrives_on_the_experts_socket(app, client, make_user, token_for):
    expert, asker, other = make_user("expert"), make_user("staff"), make_user("staff")
    history(expert, other, tags=("cards",), n=3)
    token = token_for(expert)["Authorization"].split()[1]
    # The asker is connected too, and is never routed their own question.
    bystander = socketio.test_client(app, auth={"token": token_for(asker)["Authorization"].split()[1]})
    sio = socketio.test_client(app, auth={"token": token})
    assert sio.is_connected()
    sio.get_received()  # drop anything sent on connect
    bystander.get_received()

    response = client.post("/api/v1/questions", headers=token_for(asker), json={
        "title": "A customer's card was swallowed by the ATM", "body": "What should the agent do first?",
        "tags": ["cards"]})
    assert response.status_code == 201

    pushed = _events(sio)
    assert len(pushed) == 1
    listed = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert pushed[0] == listed["items"][-1]
    assert pushed[0]["kind"] == "routed" and pushed[0]["question_id"] == response.get_json()["id"]
    assert _events(bystander) == []  # each user's room is private
    sio.disconnect()
    bystander.disconnect()


def test_nothing_is_pushed_for_a_rolled_back_request(app, client, make_user, token_for):
    expert, asker, other = make_user("expert"), make_user("staff"), make_user("staff")
    history(expert, other, tags=("cards",), n=3)
    sio = socketio.test_client(app, auth={"token": token_for(expert)["Authorization"].split()[1]})
    sio.get_received()
    # Invalid input: the service refuses before anything is routed or stored.
    response = client.post("/api/v1/questions", headers=token_for(asker), json={
        "title": "short", "body": "x", "tags": ["cards"]})
    assert response.status_code == 422
    assert _events(sio) == []
    sio.disconnect()
