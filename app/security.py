"""Guards every request passes through, whatever domain answers it. ``init_app(app)`` wires them.

* **Text that cannot be stored never reaches a view.** A NUL character anywhere in the request
  (path, query string, form fields, JSON keys and strings at any depth), or an unpaired
  surrogate in JSON, is refused with 400 before any other hook runs: PostgreSQL cannot store
  NUL in text and answered 500. Pages get the HTML error page, ``/api/`` a problem document
  whose ``errors`` names the field (``tags[1]``, ``author.name``, ``path``).
* **Out-of-range values answer 400, never 500.** A safety net under the parsing that should
  catch them first: SQLAlchemy's ``DataError`` (PostgreSQL's NumericValueOutOfRange, a string
  too long for its column, ...) and ``OverflowError`` (SQLite's "Python int too large to
  convert to SQLite INTEGER", date arithmetic past year 9999). Logged as a warning with the
  traceback, so the missing check at the source can be found and added.
* **Security headers on every response**: a Content-Security-Policy that allows scripts,
  styles, fonts and connections from this origin only (no inline script or style; Chromium
  counts same-host ``ws:``/``wss:`` as ``'self'``, so Socket.IO's upgrade is allowed), and
  ``frame-ancestors 'none'`` with ``X-Frame-Options: DENY`` (the one-click accept, delete and
  vote forms cannot be framed); ``nosniff``; ``Referrer-Policy: same-origin`` (stricter than
  strict-origin-when-cross-origin: links in answers must not even tell outside sites the
  forum's internal host name, and same-origin referrers, which "go back" uses, still flow);
  HSTS in production.
* **Absolute URLs come from ``PUBLIC_URL``**, not from the client's Host header: it becomes
  ``SERVER_NAME``, forces the request scheme (TLS usually ends at a proxy) and, unless
  ``TRUSTED_HOSTS`` says otherwise, makes its host the only one accepted (Flask answers other
  Host headers with 400). Without it (development, tests) nothing changes; production warns.

A view may set any of these headers itself; the defaults here never overwrite one.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError

from app.errors import DomainError, problem, wants_json

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Install the guards on ``app``. Call once, after the extensions and blueprints."""
    _use_public_origin(app)
    # First of all before_request hooks: ahead of the rate limiter (whose key functions load
    # users from the database), CSRF and the write-intent hook.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unstorable_text)
    app.register_error_handler(DataError, _out_of_range)
    app.register_error_handler(OverflowError, _out_of_range)
    headers = [(name.lower(), name, value) for name, value in security_headers(app).items()]
    app.after_request(lambda response: _add_headers(response, headers))


# --- text that cannot be stored ---------------------------------------------------------

class BadText(DomainError):
    status = 400
    title = _l("Bad request")


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_unstorable_text() -> None:
    """before_request: raise BadText (400) naming the first field whose text cannot be stored."""
    found = find_unstorable_text()
    if found is None:
        return
    field, nul = found
    if nul:
        detail = _l("“%(field)s” contains a NUL character (\\0), which cannot be stored. Please remove "
                    "it and try again.", field=field)
        message = _l("Contains a NUL character (\\0).")
    else:
        detail = _l("“%(field)s” contains characters that are not valid text (an unpaired surrogate). "
                    "Please correct it and try again.", field=field)
        message = _l("Contains characters that are not valid text.")
    raise BadText(detail, errors={field: message})


def find_unstorable_text() -> tuple[str, bool] | None:
    """``(field, is_nul)`` for the first bad text in the current request, or None."""
    if "\x00" in request.path:
        return "path", True
    found = _nul_in(request.args)
    if found is not None or (request.method in ("GET", "HEAD") and not request.content_length):
        return found  # no body to look at (most requests: the checks below cost more)
    if request.mimetype in _FORM_TYPES:
        found = _nul_in(request.form)
        if found is not None:
            return found
    if request.is_json:
        # Malformed JSON is left to the view, which explains what is wrong with it.
        try:
            data = request.get_json(silent=True)
        except RecursionError:
            return None
        return _find_in_json(data)
    return None


def _nul_in(fields) -> tuple[str, bool] | None:
    for key, value in fields.items(multi=True):
        if "\x00" in key or "\x00" in value:
            return _printable(key), True
    return None


def _find_in_json(data) -> tuple[str, bool] | None:
    # Iterative, so a deeply nested document cannot exhaust the stack here.
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                child = f"{path}.{key}" if path else str(key)
                bad = _bad_string(key)
                if bad is not None:
                    return _printable(child), bad
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            bad = _bad_string(value)
            if bad is not None:
                return _printable(path or "body"), bad
    return None


def _bad_string(text: str) -> bool | None:
    """True for a NUL, False for text that is not UTF-8 encodable (lone surrogates), None if fine."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return None


def _printable(name: str) -> str:
    """A field name fit to show and to serialise (the name itself may hold the bad character)."""
    return name.replace("\x00", "\\0").encode("utf-8", "backslashreplace").decode("utf-8")[:200]


# --- out-of-range values ----------------------------------------------------------------

def _out_of_range(err: Exception):
    from app.extensions import db

    db.session.rollback()
    log.warning("Refused with 400, a value out of range reached %s %s", request.method, request.path,
                exc_info=err)
    title, detail = _l("Bad request"), _l("A value is out of range.")
    if wants_json():
        return problem(400, title, detail)
    return render_template("error.html", status=400, title=title, detail=detail), 400


# --- headers ------------------------------------------------------------------------------

def security_headers(app: Flask) -> dict[str, str]:
    """The headers every response gets (unless it has its own), from the app's config."""
    images = " ".join(["'self'", "data:", *(app.config.get("CSP_IMG_SOURCES") or "").split()])
    policy = "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {images}",
        "font-src 'self'",
        "connect-src 'self'",  # Socket.IO: same origin, polling and the ws:/wss: upgrade
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])
    headers = {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if app.config.get("IS_PRODUCTION"):
        headers["Strict-Transport-Security"] = f"max-age={int(app.config.get('HSTS_MAX_AGE', 31536000))}"
    return headers


def _add_headers(response, headers: list[tuple[str, str, str]]):
    # One pass over the response's headers instead of a setdefault (a scan) per header: this
    # runs on every response, cached pages included (74 us of a 0.5 ms cached page before).
    present = {name.lower() for name in response.headers.keys()}
    response.headers.extend([(name, value) for lower, name, value in headers if lower not in present])
    return response


# --- the public origin ---------------------------------------------------------------------

def _use_public_origin(app: Flask) -> None:
    url = app.config.get("PUBLIC_URL")
    if not url:
        if app.config.get("IS_PRODUCTION"):
            app.logger.warning("PUBLIC_URL is not set: absolute URLs (API Location headers) follow each "
                               "request's Host header. Set it to the forum's public origin.")
        return
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/")
            or parts.query or parts.fragment or parts.username or parts.password):
        raise RuntimeError(f"PUBLIC_URL must be an origin such as https://qa.example.com, not {url!r}")
    app.config["SERVER_NAME"] = parts.netloc.lower()
    app.config["PREFERRED_URL_SCHEME"] = parts.scheme
    if not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [parts.hostname]
    app.wsgi_app = PublicScheme(app.wsgi_app, parts.scheme)


class PublicScheme:
    """WSGI middleware: every request is seen with the public URL's scheme, so URLs built from
    it (and ``request.is_secure``) are right behind a proxy that ends TLS. The scheme is
    configured, never read from a client's X-Forwarded-Proto."""

    def __init__(self, wsgi_app, scheme: str):
        self.wsgi_app = wsgi_app
        self.scheme = scheme

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        return self.wsgi_app(environ, start_response)
