"""Locale selection: the user's own setting, then the switcher's choice, then Accept-Language."""
from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    if not has_request_context():  # CLI and tests outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    own = current_user.locale if getattr(current_user, "is_authenticated", False) else None
    return choose_locale(own)


def choose_locale(own: str | None) -> str:
    """This request's language given the viewer's own setting (``own``; None for visitors).
    The page cache calls it with the setting it remembered, without loading the user."""
    languages = current_app.config["LANGUAGES"]
    if own in languages:
        return own
    # The header's language switcher (forum.set_language) for visitors without a setting.
    if session.get("locale") in languages:
        return session["locale"]
    header = request.headers.get("Accept-Language", "")
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    found = _by_header.get((header, default))
    if found is None:
        # Parsing the header and matching took 50 us, a tenth of a cached page; browsers send a
        # handful of distinct headers, so the answers are kept (bounded).
        best = request.accept_languages.best_match(list(_OFFERED))
        found = _OFFERED.get(best, default)
        if len(_by_header) >= 1000:
            _by_header.clear()
        _by_header[(header, default)] = found
    return found


# Browsers send zh-CN / zh; Babel's catalog is zh_CN.
_OFFERED = {"en": "en", "zh": "zh_CN", "zh_CN": "zh_CN", "zh-CN": "zh_CN", "zh-Hans": "zh_CN", "zh-SG": "zh_CN"}
_by_header: dict[tuple[str, str], str] = {}


def _translations():
    """This request's translations, looked up once per locale instead of at every string.

    Flask-Babel resolves the domain, the locale and its string form for each ``_()`` in a
    template: about 8 µs a string, a millisecond for a page's chrome. The translations are kept
    beside Flask-Babel's own locale cache (``g._flask_babel``) with the locale object they belong
    to, so ``force_locale`` and ``refresh`` (which replace that object) are followed."""
    from flask import g
    from flask_babel import get_translations

    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    cached = getattr(ctx, "fast_translations", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    ctx = g.get("_flask_babel")
    if ctx is not None:
        ctx.fast_translations = (getattr(ctx, "babel_locale", None), translations)
    return translations


def install_fast_gettext(app) -> None:
    """Templates' ``_``/``ngettext``/``pgettext`` through :func:`_translations` (call after Babel's init)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
