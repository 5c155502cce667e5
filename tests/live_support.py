"""Helpers for the live loop's tests: Socket.IO test clients that do not share the test's
database session, and readers of what they received.

The connect handler removes the scoped session when it ends (a socket must not hold a
connection); run in the test's own app context it would detach the test's objects. Like the
request-scoped HTTP client (tests/conftest.py), each socket call here runs in a copy of the
context where Flask's context variables are unset, after the test's session committed."""
from __future__ import annotations

import contextvars

from flask.globals import _cv_app, _cv_request
from sqlalchemy import select

from app.extensions import db, socketio
from app.notifications.models import Notification


def isolated(fn, *args, **kwargs):
    def run():
        _cv_app.set(None)
        _cv_request.set(None)
        return fn(*args, **kwargs)
    if _cv_app.get(None) is not None:
        db.session.commit()
    return contextvars.copy_context().run(run)


class Sock:
    """A Socket.IO test client whose calls run isolated from the test's session."""

    def __init__(self, app, **kwargs):
        self.client = isolated(socketio.test_client, app, **kwargs)

    def is_connected(self) -> bool:
        return self.client.is_connected()

    def emit(self, event: str, *args, callback: bool = False):
        return isolated(self.client.emit, event, *args, callback=callback)

    def received(self, name: str | None = None) -> list:
        events = self.client.get_received()
        return [e["args"][0] if e["args"] else None for e in events if name is None or e["name"] == name]

    def disconnect(self) -> None:
        if self.client.is_connected():
            isolated(self.client.disconnect)

    def connect(self, **kwargs) -> None:
        isolated(self.client.connect, **kwargs)


def token_of(token_for, user) -> str:
    return token_for(user)["Authorization"].split()[1]


def notes(user, kind: str | None = None, exclude: tuple = ()) -> list[Notification]:
    """The user's notification rows, oldest first (fresh from the database)."""
    db.session.expire_all()
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    if exclude:
        stmt = stmt.where(Notification.kind.not_in(exclude))
    return list(db.session.scalars(stmt))
