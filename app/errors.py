"""Domain errors and the HTML / problem+json handlers that present them.

Services raise these; routes never build error responses by hand. API requests
(paths under /api/) get ``application/problem+json`` with the failing fields.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


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


class Unauthorized(DomainError):
    status = 401
    title = _l("Authentication required")


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
        if wants_json():
            return problem(err.status, err.title, err.detail, err.errors)
        return render_template("error.html", status=err.status, title=err.title,
                               detail=err.detail), err.status

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        if wants_json():
            errors = getattr(err, "data", {}).get("errors") if hasattr(err, "data") else None
            return problem(err.code or 500, err.name, err.description, errors)
        return render_template("error.html", status=err.code, title=err.name,
                               detail=err.description), err.code

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        from app.extensions import db

        app.logger.exception("unhandled error")
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise err
        if wants_json():
            return problem(500, "Internal Server Error")
        return render_template("error.html", status=500, title=_l("Something went wrong"),
                               detail=_l("The error was logged. Please try again.")), 500
