"""Helpers for the forum HTML tests (imported by the test_pages_forum*.py modules)."""
from __future__ import annotations

import contextlib
import re

from sqlalchemy import event

import factories
from factories import sign_in, sign_out  # noqa: F401  (re-exported for the page tests)

from app.extensions import db


# The shared factories (tests/factories.py), under the names these page tests use; the ask/
# answer defaults read like a call-centre PIN question.
def ask(user, title="How do I reset a card PIN by phone?", body="The customer forgot the PIN.",
        tags=("cards",), **kwargs):
    return factories.ask(user, title=title, body=body, tags=tags, **kwargs)


def answer(question, user, body="Use the IVR menu, option 3, after verification."):
    return factories.answer(question, user, body=body)


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
