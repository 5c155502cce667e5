"""Functional-test helpers.

``tests/conftest.py`` keeps one app context pushed for the whole test, and Flask reuses a pushed
context for every test-client request, so ``g`` survives from one request to the next. flask-login
caches the current user in ``g`` and flask-babel the locale, so without a reset a user stays "logged
in" for a client that never sent their cookie, and a new language setting seems to have no effect.
``fresh_g`` gives every request an empty ``g``, as a real server does. Opt in with
``pytestmark = pytest.mark.usefixtures("fresh_g")``.
"""
from __future__ import annotations

import pytest
from flask import g, request_started


@pytest.fixture
def fresh_g(app):
    def clear(_sender, **_extra):
        vars(g._get_current_object()).clear()

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)
