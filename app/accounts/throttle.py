"""Login throttling: failed logins counted in the storage every worker shares.

The counters live where Flask-Limiter keeps its own: ``RATELIMIT_STORAGE_URI`` with
``RATELIMIT_STORAGE_OPTIONS`` (this process's memory by default, Redis in production), so all
gunicorn workers and hosts count together. Each app builds its own storage client from that
configuration (two apps in one process, as in the tests, do not share a memory store by
accident). While the storage is unreachable the counts go to this process's memory with a
logged warning, and the shared storage is tried again every 30 seconds: logins keep working
when Redis is down.

The rules. Limits are "N per window" strings in the config, over sliding windows. Only
**failed** attempts count; a refused attempt counts nothing, so a lock ends one window after
the last failure instead of lasting as long as an attacker keeps knocking.

1. A *known device* is a browser that has logged in to the account before: every successful
   login gives the browser a signed cookie (``login_device``: path ``/login``, HttpOnly,
   SameSite=Strict) holding a random device id and the accounts logged in from it (a shared
   workstation keeps the last 10).
2. A known device's failures count only against (account, device):
   ``LOGIN_FAILURES_PER_DEVICE``. Past that it loses its standing for that account until the
   window slides on, and is treated like any other browser (rule 3).
3. Any other browser is refused while any of these is used up, and its failures count
   against all three:

   - ``LOGIN_FAILURES_PER_IP``: from one address (an IPv6 client: its /64), any account;
   - ``LOGIN_FAILURES_PER_ACCOUNT_IP``: one account from one address;
   - ``LOGIN_FAILURES_PER_ACCOUNT``: one account from every address (a distributed guess).
4. The verdict comes before the password is checked: a refused attempt costs no hashing and
   tells nothing, not even whether the password was right. It answers 429 with Retry-After.
5. A success clears that account's counters for that address and that device.

So when someone behind a call centre's shared NAT address (or a script there) fails 50 times,
every agent whose browser has logged in to their own account before still gets in; only
browsers new to their account wait. An attacker failing an account from many addresses locks
it only for browsers new to it, and only until one window after the last failure: the owner's
own browser keeps logging in. Account names are counted, whether they exist or not, under a
keyed hash of the lower-cased name: a lockout says nothing about whether a name exists, and the
storage never holds what was typed (people type passwords into the name field).

Counting is check-then-hit, so concurrent attempts can overshoot a limit by as many as are in
flight at once.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

DEVICE_COOKIE = "login_device"
MAX_DEVICE_ACCOUNTS = 10
RETRY_SHARED_AFTER = 30.0  # seconds on the memory stand-in before trying the shared storage again


@dataclass(frozen=True)
class Attempt:
    """One login attempt: who it is for, where from, and whether the browser is known."""
    account: str  # keyed hash of the lower-cased name
    address: str
    device_id: str | None  # the browser's device id, if it has a valid cookie
    known: bool  # the cookie names this account and the device has not used up its failures
    accounts: tuple[str, ...]  # accounts the cookie names (kept when it is renewed)


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds until the first limit in the way frees a slot

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


class _Counters:
    """Moving-window counters on the shared storage, with an in-memory stand-in while it is
    unreachable."""

    def __init__(self, uri: str, options: dict):
        self._shared = MovingWindowRateLimiter(storage_from_string(uri, wrap_exceptions=True, **options))
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._uri = uri
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _run(self, op: str, item: RateLimitItem, *keys: str):
        if time.monotonic() >= self._down_until:
            try:
                return getattr(self._shared, op)(item, *keys)
            except StorageError as err:
                with self._lock:
                    if time.monotonic() >= self._down_until:
                        log.warning("Login throttle: rate-limit storage %s unreachable (%s); counting "
                                    "in this process's memory for %ds", _redact(self._uri), err.storage_error,
                                    RETRY_SHARED_AFTER)
                        self._down_until = time.monotonic() + RETRY_SHARED_AFTER
        return getattr(self._local, op)(item, *keys)

    def allows(self, item: RateLimitItem, *keys: str) -> bool:
        return self._run("test", item, *keys)

    def hit(self, item: RateLimitItem, *keys: str) -> None:
        self._run("hit", item, *keys)

    def clear(self, item: RateLimitItem, *keys: str) -> None:
        self._run("clear", item, *keys)

    def seconds_to_slot(self, item: RateLimitItem, *keys: str) -> int:
        stats = self._run("get_window_stats", item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))


def _redact(uri: str) -> str:
    """The storage URI without a password, for the log."""
    scheme, sep, rest = uri.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else uri


class LoginThrottle:
    """The rules above, for one app. Get it with :func:`login_throttle`."""

    def __init__(self, app: Flask):
        self._app = app
        self._counters = _Counters(app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
                                   dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {}))
        self._cookies = URLSafeTimedSerializer(app.secret_key, salt="login-device")

    def _limit(self, name: str) -> RateLimitItem:
        # Read at each use so an operator (or a test) can change it in app.config.
        return parse(self._app.config[name])

    # --- the verdict ------------------------------------------------------------------
    def attempt(self, username: str) -> Attempt:
        """Describe the current request's attempt to log in as ``username``."""
        account = self._account_key(username)
        device_id, accounts = self._read_cookie()
        known = bool(device_id) and account in accounts and self._counters.allows(
            self._limit("LOGIN_FAILURES_PER_DEVICE"), "login-device", account, device_id)
        return Attempt(account, _address(), device_id, known, accounts)

    def refusal(self, attempt: Attempt) -> Refusal | None:
        """None when the attempt may go on to the password check, else how long to wait."""
        if attempt.known:
            return None
        waits = [self._counters.seconds_to_slot(item, *keys)
                 for item, keys in self._unknown_rules(attempt) if not self._counters.allows(item, *keys)]
        return Refusal(max(waits)) if waits else None

    def failed(self, attempt: Attempt) -> None:
        """Count a wrong password (or unknown name) against the attempt's counters."""
        if attempt.known:
            self._counters.hit(self._limit("LOGIN_FAILURES_PER_DEVICE"), "login-device", attempt.account,
                               attempt.device_id)
            return
        for item, keys in self._unknown_rules(attempt):
            self._counters.hit(item, *keys)

    def succeeded(self, attempt: Attempt, response) -> None:
        """Clear the account's counters for this address and device; give the browser (or
        renew) its known-device cookie for this account."""
        self._counters.clear(self._limit("LOGIN_FAILURES_PER_ACCOUNT_IP"), "login-account-ip",
                             attempt.account, attempt.address)
        device_id = attempt.device_id or secrets.token_urlsafe(16)
        self._counters.clear(self._limit("LOGIN_FAILURES_PER_DEVICE"), "login-device", attempt.account,
                             device_id)
        accounts = [attempt.account, *(a for a in attempt.accounts if a != attempt.account)]
        value = self._cookies.dumps({"d": device_id, "a": accounts[:MAX_DEVICE_ACCOUNTS]})
        config = self._app.config
        response.set_cookie(DEVICE_COOKIE, value, max_age=config["LOGIN_DEVICE_DAYS"] * 86400,
                            path=self._login_path(), httponly=True, samesite="Strict",
                            secure=bool(config.get("SESSION_COOKIE_SECURE")))

    # --- helpers ----------------------------------------------------------------------------
    def _unknown_rules(self, attempt: Attempt):
        return [
            (self._limit("LOGIN_FAILURES_PER_IP"), ("login-ip", attempt.address)),
            (self._limit("LOGIN_FAILURES_PER_ACCOUNT_IP"), ("login-account-ip", attempt.account, attempt.address)),
            (self._limit("LOGIN_FAILURES_PER_ACCOUNT"), ("login-account", attempt.account)),
        ]

    def _account_key(self, username: str) -> str:
        key = self._app.secret_key
        key = key.encode() if isinstance(key, str) else key
        name = (username or "").strip().lower().encode("utf-8", "replace")
        return hmac.new(key, b"login-account\0" + name, hashlib.sha256).hexdigest()[:32]

    def _read_cookie(self) -> tuple[str | None, tuple[str, ...]]:
        raw = request.cookies.get(DEVICE_COOKIE)
        if not raw:
            return None, ()
        max_age = self._app.config["LOGIN_DEVICE_DAYS"] * 86400
        try:
            data = self._cookies.loads(raw, max_age=max_age)
        except BadSignature:  # forged, from another key, or expired (a subclass)
            return None, ()
        device_id, accounts = data.get("d"), data.get("a")
        if not isinstance(device_id, str) or not isinstance(accounts, list):
            return None, ()
        return device_id, tuple(a for a in accounts if isinstance(a, str))[:MAX_DEVICE_ACCOUNTS]

    @staticmethod
    def _login_path() -> str:
        return url_for("accounts.login")  # the cookie is sent with login attempts only


def _address() -> str:
    """The client's address as counted: IPv6 clients by their /64 (one subscriber's network),
    IPv4 (and IPv4-mapped IPv6) as is."""
    raw = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def login_throttle() -> LoginThrottle:
    """The current app's throttle, made on first use (no connection at app creation)."""
    app = current_app._get_current_object()
    throttle = app.extensions.get("login_throttle")
    if throttle is None:
        throttle = app.extensions.setdefault("login_throttle", LoginThrottle(app))
    return throttle
