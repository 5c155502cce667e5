"""Locale selection: the user's own setting, then the switcher's choice, then Accept-Language."""
from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and tests outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    # The header's language switcher (forum.set_language) for visitors without a setting.
    if session.get("locale") in languages:
        return session["locale"]
    # Browsers send zh-CN / zh; Babel's catalog is zh_CN.
    offered = {"en": "en", "zh": "zh_CN", "zh_CN": "zh_CN", "zh-CN": "zh_CN", "zh-Hans": "zh_CN",
               "zh-SG": "zh_CN"}
    best = request.accept_languages.best_match(list(offered))
    return offered.get(best, current_app.config["BABEL_DEFAULT_LOCALE"])
