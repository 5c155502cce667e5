"""Sessions that can be ended, beyond the login pages (tests/functional/test_accounts.py has
logout, password change and remember-me): deactivation, token revocation signals, and the
token's last-used stamp that must never turn a read into a write."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from app import signals
from app.accounts import services as accounts
from app.accounts.models import ApiToken
from app.db import frozen_clock, utcnow
from app.errors import Forbidden, Invalid

PASSWORD = "correct-horse-9"


def _logged_in(app, user):
    browser = app.test_client()
    assert browser.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return browser


# --- deactivation ----------------------------------------------------------------------------

def test_deactivating_a_user_ends_their_sessions_and_tokens(app, db, make_user, token_for):
    admin, agent = make_user("admin"), make_user("staff")
    browser, bearer = _logged_in(app, agent), token_for(agent)
    assert browser.get("/settings").status_code == 200

    ended = []
    with signals.sessions_ended.connected_to(lambda sender, by: ended.append((sender.id, by.id))):
        accounts.set_active(agent, False, by=admin)
        db.session.commit()
    assert ended == [(agent.id, admin.id)]
    assert browser.get("/settings").status_code == 303
    assert app.test_client().get("/api/v1/users/me", headers=bearer).status_code == 401
    refused = app.test_client().post("/login", data={"username": agent.username, "password": PASSWORD})
    assert refused.status_code == 200 and "incorrect" in refused.get_data(as_text=True)

    accounts.set_active(agent, True, by=admin)  # reactivated: a new login works, old ones stay dead
    db.session.commit()
    assert browser.get("/settings").status_code == 303
    assert _logged_in(app, agent).get("/settings").status_code == 200


def test_only_admins_deactivate_and_never_themselves(db, make_user):
    admin, moderator, agent = make_user("admin"), make_user("moderator"), make_user("staff")
    with pytest.raises(Forbidden):
        accounts.set_active(agent, False, by=moderator)
    with pytest.raises(Invalid) as refused:
        accounts.set_active(admin, False, by=admin)
    assert "is_active" in refused.value.errors
    assert agent.is_active_account and admin.is_active_account


# --- tokens -------------------------------------------------------------------------------------

def test_revoking_a_token_sends_token_revoked_once(app, db, make_user, login, client, token_for):
    user = make_user()
    token_for(user)
    token = db.session.query(ApiToken).one()
    login(user)
    revoked = []
    with signals.token_revoked.connected_to(lambda row, by: revoked.append((row.id, by.id))):
        assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 302
        assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 302  # again: no signal
        assert client.post(f"/settings/tokens/{10**30}/revoke").status_code == 404  # no overflow
    assert revoked == [(token.id, user.id)]


def _vote(app, headers, question_id):
    return app.test_client().post(f"/api/v1/questions/{question_id}/vote", json={"value": 1}, headers=headers)


def test_token_last_use_is_recorded_at_most_once_a_minute(app, db, make_user, token_for):
    from app.forum import services as forum

    asker, voter = make_user("staff"), make_user("staff")
    question = forum.ask_question(db.session, title="How do I unblock a card?", body="The customer asks.",
                                  tags=["cards"], by=asker)
    db.session.commit()
    bearer = token_for(voter)
    token = db.session.query(ApiToken).one()
    assert token.last_used_at is None

    start = utcnow()
    with frozen_clock(start):
        assert _vote(app, bearer, question.id).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at == start
    with frozen_clock(start + timedelta(seconds=30)):
        assert _vote(app, bearer, question.id).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at == start  # within the minute: not written again
    with frozen_clock(start + timedelta(seconds=61)):
        assert _vote(app, bearer, question.id).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at == start + timedelta(seconds=61)


def test_a_get_with_a_token_never_writes_in_its_own_transaction(app, db, make_user, token_for):
    """The stamp is a job queued after the request's transaction commits; the request's own
    session neither flushes nor updates a token (on SQLite a read would become a write)."""
    user = make_user("staff")
    bearer = token_for(user)
    request_session = db.session()
    writes = []

    def flushed(session, _context, _instances):
        writes.extend(type(obj).__name__ for obj in session.dirty | session.new | session.deleted)

    def executed(orm_execute_state):
        if not orm_execute_state.is_select:
            writes.append(str(orm_execute_state.statement))

    event.listen(request_session, "before_flush", flushed)
    event.listen(request_session, "do_orm_execute", executed)
    try:
        for path in ("/api/v1/users/me", "/api/v1/questions", "/settings"):
            assert app.test_client().get(path, headers=bearer).status_code == 200
    finally:
        event.remove(request_session, "before_flush", flushed)
        event.remove(request_session, "do_orm_execute", executed)
    assert writes == []
