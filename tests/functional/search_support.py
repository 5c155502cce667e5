"""A fixture the search page and API tests share."""
import pytest
from flask import request

from app.extensions import db as _db


@pytest.fixture(autouse=True)
def reads_end_with_their_request(app):
    """End a GET's read transaction with its request, as a server does (its session goes with
    the request's context) and the tests' one long-lived context does not.

    Searches write their log in a job, on a connection of its own, after the reads; a test
    session still holding the GET's snapshot could then not write (SQLite refuses to upgrade
    a read that another writer overtook). Drop this once tests push a context per request."""
    def end(_exc):
        if request.method in ("GET", "HEAD"):
            _db.session.rollback()
    app.teardown_request(end)
