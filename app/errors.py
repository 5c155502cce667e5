"""Domain errors and the HTML / problem+json handlers that present them.

Services raise these; routes never build error responses by hand. API requests
(paths under /api/) get ``application/problem+json`` with the failing fields.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, default_exceptions


class DomainError(Exception):
    status = 400
    title = _l("Bad request")

    def __init__(self, detail=None, errors: dict | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}


class Invalid(DomainError):
    """Input that breaks a rule; ``errors`` maps field names to messages."""
    status = 422
    title = _l("Invalid input")


class NotFound(DomainError):
    status = 404
    title = _l("Not found")


class Forbidden(DomainError):
    status = 403
    title = _l("Forbidden")


class Conflict(DomainError):
    status = 409
    title = _l("Conflict")


class Unavailable(DomainError):
    """503: the database (or another engine) is overloaded or down; trying again may work."""
    status = 503
    title = _l("Service Unavailable")
    retry_after = 2


class Unauthorized(DomainError):
    status = 401
    title = _l("Authentication required")


# Werkzeug's own names and default descriptions, wrapped so they reach the translation
# catalog; the English text is Werkzeug's, unchanged. A description given explicitly
# (abort(404, "..."), Flask-Limiter's "10 per 1 minute") is shown as it is.
HTTP_TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    409: _l("Conflict"),
    413: _l("Request Entity Too Large"),
    415: _l("Unsupported Media Type"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
    503: _l("Service Unavailable"),
}
HTTP_DESCRIPTIONS = {
    400: _l("The browser (or proxy) sent a request that this server could not understand."),
    401: _l("The server could not verify that you are authorized to access the URL requested. You "
            "either supplied the wrong credentials (e.g. a bad password), or your browser doesn't "
            "understand how to supply the credentials required."),
    403: _l("You don't have the permission to access the requested resource. It is either "
            "read-protected or not readable by the server."),
    404: _l("The requested URL was not found on the server. If you entered the URL manually please "
            "check your spelling and try again."),
    405: _l("The method is not allowed for the requested URL."),
    409: _l("A conflict happened while processing the request. The resource might have been "
            "modified while the request was being processed."),
    413: _l("The data value transmitted exceeds the capacity limit."),
    415: _l("The server does not support the media type transmitted in the request."),
    429: _l("This user has exceeded an allotted request count. Try again later."),
    500: _l("The server encountered an internal error and was unable to complete your request. "
            "Either the server is overloaded or there is an error in the application."),
    503: _l("The server is temporarily unable to service your request due to maintenance downtime "
            "or capacity problems. Please try again later."),
}


def _http_texts(err: HTTPException) -> tuple:
    """The title and description of an HTTP error in the request's language."""
    code = err.code or 500
    title = HTTP_TITLES.get(code, err.name)
    default = getattr(default_exceptions.get(code), "description", None)
    detail = HTTP_DESCRIPTIONS.get(code, err.description) if err.description == default else err.description
    return title, detail


def wants_json() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, title, detail=None, errors: dict | None = None):
    body = {
        "type": "about:blank",
        "title": str(title),
        "status": status,
        "detail": str(detail or title),
        "errors": {k: str(v) for k, v in (errors or {}).items()},
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        from app.extensions import db

        db.session.rollback()
        headers = {"Retry-After": str(err.retry_after)} if getattr(err, "retry_after", None) else {}
        if wants_json():
            response = problem(err.status, err.title, err.detail, err.errors)
            response.headers.update(headers)
            return response
        return render_template("error.html", status=err.status, title=err.title,
                               detail=err.detail), err.status, headers

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        title, detail = _http_texts(err)
        if wants_json():
            errors = getattr(err, "data", {}).get("errors") if hasattr(err, "data") else None
            return problem(err.code or 500, title, detail, errors)
        return render_template("error.html", status=err.code, title=title,
                               detail=detail), err.code

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        from app.extensions import db

        app.logger.exception("unhandled error")
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise err
        if wants_json():
            return problem(500, HTTP_TITLES[500])
        return render_template("error.html", status=500, title=_l("Something went wrong"),
                               detail=_l("The error was logged. Please try again.")), 500
