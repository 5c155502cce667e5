"""Whole-page caching: a page a viewer has seen at this content version is sent again without
running its view (DESIGN.md: fast pages, nothing stale, nothing leaked).

Where the time of a page went once its content block was cached (``app.cache.render_page``):
loading the logged-in user (a query), the header's panels (the bell's and the curators' counts:
two queries and a template), and rendering the shell (base.html, twenty URLs, the translated
strings for the scripts). None of it changes between two requests of one viewer at one content
version, so the whole response is kept, under a key of

* the endpoint, the path and the raw query string (the page's own links and its language form
  carry them),
* the viewer: ``anon`` for everyone without a login (they all see the same page), otherwise the
  user id *and* the session version of their login (pages show the viewer's name, votes and
  controls, so logged-in pages are never shared between users),
* the language, and
* the content version (``app.cache.version``), bumped after every commit that changed anything a
  page shows: a write is visible on the very next request, for every viewer.

What differs between two requests of the same viewer is filled in on every hit: the CSRF token
(markers derived from the secret key, so no posted text can forge one), and whatever a view
declares with :func:`vary` and recomputes in its ``on_hit`` (the search log's click token; the
question page counts the view). Requests that could see something else are never answered
from the cache: with flashed messages waiting, a bearer token, a remember-me cookie still to be
turned into a session, or a login this process has not yet checked at this content version (the
*viewer card* below, written when the full view ran and the login was valid).

Responses carry a weak ETag (the key and the session's CSRF secret) with ``Cache-Control:
private, no-cache``: browsers revalidate every time and get a 304 without a body when nothing
changed.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, g, request, session

from app.cache import cache_of

_CARD_TTL = 3600.0
# The stored entry's layout, in its keys: processes of two releases sharing Redis during an
# upgrade never read each other's entries.
_FORMAT = 2


@dataclass(frozen=True)
class PageSpec:
    on_hit: Callable[[dict, dict], dict] | None = None  # (view_args, meta) -> {name: value}
    etag: bool = True  # False when each response must be fresh (a new click token per search)
    personal: Callable[[], str] | None = None  # more of the key, from the request (not the database)
    mimetype: str = "text/html"  # what the view answers (the API's lists: application/json)


_SPECS: dict[str, PageSpec] = {}


def cached_page(bp: Blueprint, *, on_hit: Callable[[dict, dict], dict] | None = None, etag: bool = True,
                personal: Callable[[], str] | None = None, mimetype: str = "text/html"):
    """Declare a view of ``bp`` whose whole HTML response may be cached (see the module
    docstring). Its output must depend only on the key: the viewer, the language, the path and
    query, the content version, and ``personal()`` (e.g. an anonymous reader's cookie id, when
    the page shows their own vote); anything else per request goes through :func:`vary`."""
    def register(view: Callable) -> Callable:
        _SPECS[f"{bp.name}.{view.__name__}"] = PageSpec(on_hit, etag, personal, mimetype)
        return view
    return register


def vary(value: str, name: str) -> None:
    """``value`` in this response is per request: a hit gets ``on_hit(...)[name]`` instead."""
    if value and "page_cache" in g:
        g.setdefault("page_cache_vary", {})[name] = value


def remember(**meta) -> None:
    """Plain JSON values stored with the page, handed to ``on_hit`` on every hit."""
    if "page_cache" in g:
        g.setdefault("page_cache_meta", {}).update(meta)


def _marker(name: str) -> str:
    return _marker_for(current_app.config["SECRET_KEY"], name)


@functools.lru_cache(maxsize=64)
def _marker_for(secret: str | bytes, name: str) -> str:
    secret = secret.encode() if isinstance(secret, str) else secret
    return "pcm-" + hmac.new(secret, f"page-cache:{name}".encode(), hashlib.sha256).hexdigest()[:32]


_signed_tokens: OrderedDict[tuple, str] = OrderedDict()
_signed_lock = threading.Lock()


def _csrf_token() -> str:
    """Flask-WTF's ``generate_csrf()``, without signing the session's secret again on every hit:
    a signed token stays valid for the session's life (``WTF_CSRF_TIME_LIMIT = None``), so one
    per secret is kept (bounded). With a time limit, every hit signs a fresh one."""
    from flask_wtf.csrf import generate_csrf

    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field)
    if raw is None or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()
    known = (config["SECRET_KEY"], raw)
    token = _signed_tokens.get(known)
    if token is None:
        token = generate_csrf()
        with _signed_lock:
            _signed_tokens[known] = token
            while len(_signed_tokens) > 10_000:
                _signed_tokens.popitem(last=False)
    setattr(g, field, token)  # what generate_csrf() would leave for the rest of the request
    return token


# --- who is asking --------------------------------------------------------------------------

def _viewer() -> tuple[str, str | None] | None:
    """``(viewer key, the user's own language setting)`` when it can be told without the
    database, else None (the view runs)."""
    if "Authorization" in request.headers or "_flashes" in session or "_remember" in session:
        return None
    identity = session.get("_user_id")
    if identity is None:
        if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
            return None  # Flask-Login will log this visitor in from the cookie
        return "anon", None
    from app.accounts.auth import issued_is_fresh, parse_identity

    parsed = parse_identity(identity)
    if parsed is None or not issued_is_fresh(parsed[2]):
        return None
    viewer = _login_key(parsed[0], parsed[1])
    card = cache_of().store.get(_card_key(viewer))
    if card is None:
        g.page_cache_card = viewer  # the view checks the login; _store remembers the result
        return None
    return viewer, card


def _card_key(viewer: str) -> str:
    # A login checked against the database at this content version (users and memberships are
    # content: a password change, deactivation or role change moves the version).
    return f"viewer{_FORMAT}:{viewer}:{g.content_version}"


def _checked() -> tuple[str, str] | None:
    """``(viewer key, language setting)`` of the login the user loader accepted in this request
    (plain values it noted: after the commit the user object is expired, and reading it again
    would cost a query)."""
    checked = g.get("login_checked")
    return (_login_key(checked[0], checked[1]), checked[2]) if checked else None


def _login_key(user_id: int, session_version: int) -> str:
    return f"u{user_id}:{session_version}"


# --- the hooks ------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    # Just ahead of the rate limiter's hook: no cached page has a limit, and resolving the
    # limits of every request cost 0.14 ms a page (app.security later puts its text guard first).
    from app.extensions import limiter

    hooks = app.before_request_funcs.setdefault(None, [])
    at = next((i for i, hook in enumerate(hooks) if getattr(hook, "__self__", None) is limiter), len(hooks))
    hooks.insert(at, _serve)
    app.after_request(_store)


def _serve() -> Response | None:
    spec = _SPECS.get(request.endpoint or "")
    if spec is None or request.method not in ("GET", "HEAD"):
        return None
    cache = cache_of()
    if cache is None or not cache.enabled:
        return None
    from app.errors import wants_json

    # The version first, before the view's first query: a page rendered from older data is
    # stored under an older version, never under a newer one.
    if cache.version() is None or (spec.mimetype == "text/html" and wants_json()):
        return None
    found = _viewer()
    if found is None:
        return None
    viewer, user_locale = found
    from app.i18n import choose_locale

    locale = choose_locale(user_locale or None)
    personal = spec.personal() if spec.personal else ""
    # The host too: without PUBLIC_URL, absolute URLs (the API's) follow the Host header.
    raw = repr((request.endpoint, request.host, request.path, request.query_string, viewer, personal, locale,
                g.content_version))
    key = f"page{_FORMAT}:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    g.page_cache = (key, viewer, spec)
    stored = cache.store.get(key)
    if stored is None:
        return None  # the view runs; _store keeps its response
    head, _, body = stored.partition("\n")  # a small JSON head, then the page as it is
    try:
        entry = json.loads(head)
    except ValueError:
        return None  # not an entry of ours: render (and store a good one)
    g.page_cache_hit = True
    values = spec.on_hit(dict(request.view_args or {}), entry.get("meta", {})) if spec.on_hit else {}
    etag = _etag(key) if spec.etag else None
    if etag is not None and request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        for name in entry.get("vary", ()):
            body = body.replace(_marker(name), values.get(name, ""))
        if entry.get("csrf"):
            body = body.replace(_marker("csrf"), _csrf_token())
        response = Response(body, mimetype=spec.mimetype)
    _revalidate(response, etag)
    return response


def _store(response: Response) -> Response:
    if "page_cache_card" in g:
        _remember_viewer(g.pop("page_cache_card"))
    state = g.pop("page_cache", None)
    if state is None or g.get("page_cache_hit"):
        return response
    key, viewer, spec = state
    if request.method != "GET" or response.status_code != 200 or response.mimetype != spec.mimetype \
            or response.direct_passthrough:
        return response  # HEAD is answered from what a GET stored, never stored (pages differ)
    checked = _checked()
    if (checked[0] if checked else "anon") != viewer:
        return response  # the login was refused or changed while the view ran
    cache = cache_of()
    body = response.get_data(as_text=True)
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        body = body.replace(token, _marker("csrf"))
    varying = g.get("page_cache_vary", {})
    for name, value in varying.items():
        body = body.replace(value, _marker(name))
    head = {"csrf": bool(token), "vary": sorted(varying), "meta": g.get("page_cache_meta", {})}
    cache.store.set(key, json.dumps(head) + "\n" + body, cache.ttl)  # json.dumps escapes newlines
    _revalidate(response, _etag(key) if spec.etag else None)
    if spec.etag:
        # The browser may hold this very page (another process stored it): 304 here too.
        response.make_conditional(request)
    return response


def _remember_viewer(viewer: str) -> None:
    """The viewer card: the login ``viewer`` names was checked by the view that just ran and is
    valid at this content version, with this language setting."""
    checked, cache = _checked(), cache_of()
    if checked and checked[0] == viewer and g.get("content_version") is not None and cache is not None:
        cache.store.set(_card_key(viewer), checked[1], min(cache.ttl, _CARD_TTL))


def _etag(key: str) -> str | None:
    # The session's CSRF secret is part of it: a copy kept by a browser whose session changed
    # carries tokens that no longer work, so it is not "not modified".
    secret = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "")
    return hashlib.blake2b(f"{key}:{secret}".encode(), digest_size=12).hexdigest()


def _revalidate(response: Response, etag: str | None) -> None:
    headers = response.headers
    if etag is not None:
        headers["ETag"] = f'W/"{etag}"'
    headers["Cache-Control"] = "private, no-cache"
    vary = headers.get("Vary")
    headers["Vary"] = f"{vary}, Cookie, Accept-Language" if vary else "Cookie, Accept-Language"
