"""Helpers for the forum HTML tests (imported by the test_pages_forum*.py modules)."""
from __future__ import annotations

import contextlib
import re

from sqlalchemy import event

from app.extensions import db
from app.forum import services


def sign_in(client, user) -> None:
    """Log ``user`` in through the session (no password hashing, no login rate limit)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_session_identity()  # what login_user stores (app.accounts.auth)
        session["_fresh"] = True


def sign_out(client) -> None:
    with client.session_transaction() as session:
        session.pop("_user_id", None)


def ask(user, title="How do I reset a card PIN by phone?", body="The customer forgot the PIN.",
        tags=("cards",), **kwargs):
    question = services.ask_question(db.session, title=title, body=body, tags=list(tags), by=user, **kwargs)
    db.session.commit()
    return question


def answer(question, user, body="Use the IVR menu, option 3, after verification."):
    posted = services.post_answer(db.session, question, body=body, by=user)
    db.session.commit()
    return posted


def text(response) -> str:
    return response.get_data(as_text=True)


def field_error(html: str, field_id: str) -> str:
    """The error message shown next to the field with this id ("" if none)."""
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', html)
    return match.group(1).strip() if match else ""


@contextlib.contextmanager
def count_queries():
    """Counts SQL statements sent to the database inside the block (BEGIN included)."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
