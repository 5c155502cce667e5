"""The application class: Flask, with two of its per-request costs paid once instead.

Found by profiling a page answered from the page cache (about 0.5 ms in all, issue 12): Flask
asked ``inspect.iscoroutinefunction`` of every hook on every request (a dozen calls, 35 us), and
opening the session cookie verified its HMAC, inflated and parsed it again on every request (the
forum's cookie is compressed: 60 us and more). Behaviour is unchanged: same functions run, the
same cookies are accepted and refused.
"""
from __future__ import annotations

import time
from inspect import iscoroutinefunction

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key (not twice
    per request), and each cookie verified and decoded once: a browser sends the same cookie
    until the session changes, so the decoded value is kept by the cookie's exact text (and the
    key set that verified it). A kept cookie still expires at the same age as a decoded one."""

    _KEEP = 4096

    def __init__(self):
        self._serializers: dict = {}
        self._opened: dict = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        found = self._serializers.get(key)
        if found is None:
            found = super().get_signing_serializer(app)
            if found is not None:
                self._serializers = {key: found}  # one key in use: keep only the current one
                self._opened = {}
        return found

    def open_session(self, app: Flask, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        opened = self._opened  # the set of one serializer (replaced with it)
        kept = opened.get(value)
        if kept is not None and 0 <= time.time() - kept[1] <= max_age:
            return self.session_class(_copy(kept[0]))  # the session is mutable: never share it
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(opened) >= self._KEEP:
            opened.clear()
        opened[value] = (data, signed.timestamp())
        return self.session_class(_copy(data))


def _copy(value):
    # Session values are what the tagged JSON serializer decodes: dicts, lists, tuples and
    # immutable scalars (str, numbers, bytes, Markup, UUID, datetime).
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    return value


class ForumFlask(Flask):
    _KNOWN = 1024  # hooks and views; per-request callbacks (after_this_request) are not kept

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_interface = SessionCookies()  # per application: its own keys and cookies
        self._coroutine: dict = {}

    def ensure_sync(self, func):
        try:
            is_coroutine = self._coroutine[func]
        except KeyError:
            is_coroutine = iscoroutinefunction(func)
            if len(self._coroutine) < self._KNOWN:
                self._coroutine[func] = is_coroutine
        except TypeError:  # an unhashable callable: ask each time
            is_coroutine = iscoroutinefunction(func)
        return self.async_to_sync(func) if is_coroutine else func
