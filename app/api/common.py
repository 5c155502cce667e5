"""Request parsing and guards shared by the API routes.

Bad input never reaches a service as the wrong type: a malformed body or parameter is a
400 problem naming the field; a well-typed but rule-breaking value goes to the service,
which answers 422 (``Invalid``) with every failing field.
"""
from __future__ import annotations

import re

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from app.errors import DomainError, NotFound, Unauthorized
from app.web import MAX_PAGE, MAX_ROW_ID

# Ids are Integer columns: anything larger cannot exist, and passing it to the database
# would overflow (a 500). Paths use app.web's <id:...> converter (404); parameters and bodies
# are checked against the same bound here (400/422).
MAX_ID = MAX_ROW_ID


class BadInput(DomainError):
    """400: the request is malformed (not JSON, wrong types, unknown fields)."""
    status = 400
    title = _l("Bad request")


def require_login():
    """The authenticated caller, or ``Unauthorized`` (401) for an anonymous one.

    Routes call this before any lookup, so an anonymous write never learns whether a
    hidden post exists.
    """
    if not current_user.is_authenticated:
        raise Unauthorized(_l("Log in or send an API token (Authorization: Bearer <token>)."))
    return current_user._get_current_object()


def viewer():
    """The caller as a User, or None when anonymous (what the read queries expect)."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def found(obj, detail=None):
    """``obj`` or NotFound when it is None."""
    if obj is None:
        raise NotFound(detail or _l("Not found."))
    return obj


# --- JSON bodies ----------------------------------------------------------------------

class Body:
    """A JSON object request body with typed accessors.

    Each accessor returns None for a missing (or null) field so the service reports it
    as a rule violation (422); a present value of the wrong type is recorded and
    ``done()`` raises one 400 naming every such field, plus fields nobody asked for.
    """

    def __init__(self, data: dict):
        self.data = data
        self.errors: dict = {}
        self._seen: set[str] = set()

    def _get(self, name: str):
        self._seen.add(name)
        return self.data.get(name)

    def _bad(self, name: str, message) -> None:
        self.errors.setdefault(name, message)

    def string(self, name: str) -> str | None:
        value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self._bad(name, _l("Expected a string."))
            return None
        if not _encodable(value):
            self._bad(name, _l("The text contains invalid characters."))
            return None
        return value

    def string_list(self, name: str) -> list[str] | None:
        value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and _encodable(v) for v in value):
            self._bad(name, _l("Expected a list of strings."))
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self._bad(name, _l("Expected true or false."))
            return None
        return value

    def integer(self, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
        """An integer (JSON booleans and floats are refused) within the optional bounds."""
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._bad(name, _l("Expected an integer."))
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self._bad(name, _l("Out of range."))
            return None
        return value

    def id_or_slug(self, name: str) -> int | str | None:
        """A database id (integer or digit string) or a slug string, such as a team."""
        value = self._get(name)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip()) if len(value.strip()) <= 10 else MAX_ID + 1
        if isinstance(value, int) and not isinstance(value, bool):
            if not 1 <= value <= MAX_ID:
                self._bad(name, _l("Out of range."))
                return None
            return value
        return self.string(name)

    def done(self) -> None:
        """Raise BadInput (400) for wrong types or fields that are not part of the call."""
        for name in self.data:
            if name not in self._seen:
                self._bad(name, _l("Unknown field."))
        if self.errors:
            raise BadInput(_l("Some fields have the wrong type or are not accepted here."),
                           errors=self.errors)


def _encodable(text: str) -> bool:
    # JSON allows lone surrogates ("\ud800"); they cannot be stored and would fail in the driver.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_body() -> Body:
    """The request's JSON object, or BadInput (400) with a detail saying what is wrong."""
    if not request.is_json:
        raise BadInput(_l("Send a JSON object with the header Content-Type: application/json."))
    try:
        data = request.get_json()
    except (BadRequest, ValueError, RecursionError):
        # RecursionError: pathologically nested arrays are malformed input too, not a 500.
        raise BadInput(_l("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise BadInput(_l("The request body must be a JSON object."))
    return Body(data)


# --- query parameters -----------------------------------------------------------------

_INT_RE = re.compile(r"-?[0-9]{1,100}")


def int_arg(name: str, default: int | None = None, *, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    """An integer query parameter; BadInput (400) when present but not an integer, or outside
    [minimum, maximum] when those are given (a number beyond a column's range never reaches
    the database)."""
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if not _INT_RE.fullmatch(raw):
        raise BadInput(_l("The parameter %(name)s must be an integer.", name=name),
                       errors={name: _l("Expected an integer.")})
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise BadInput(_l("The parameter %(name)s is out of range.", name=name), errors={name: _l("Out of range.")})
    return value


def choice_arg(name: str, choices, default: str) -> str:
    """A query parameter restricted to ``choices``; BadInput (400) otherwise."""
    value = request.args.get(name) or default
    if value not in choices:
        raise BadInput(_l("Unknown value for %(name)s.", name=name),
                       errors={name: _l("Use one of: %(choices)s.", choices=", ".join(choices))})
    return value


def paging() -> tuple[int, int]:
    """(page, per_page) from the query string.

    Non-integers are a 400; integers out of range are clamped (page >= 1, 1 <= per_page <=
    MAX_PER_PAGE) and the response's ``page``/``per_page`` report the values used.
    """
    default = int(current_app.config.get("PER_PAGE", 20))
    most = int(current_app.config.get("MAX_PER_PAGE", 100))
    page = int_arg("page", 1)
    per_page = int_arg("per_page", default)
    # Clamped, not refused: the response's page/per_page say which values were used.
    return min(max(page, 1), MAX_PAGE), min(max(per_page, 1), most)


def page_json(page, serialize) -> dict:
    """The list envelope of API.md: {"items", "total", "page", "per_page"}."""
    return {"items": [serialize(item) for item in page.items], "total": page.total,
            "page": page.page, "per_page": page.per_page}


def created(payload: dict, location: str):
    """A 201 response with a Location header."""
    return payload, 201, {"Location": location}
