"""Log in and out, registration, personal settings, password and API tokens."""
from __future__ import annotations

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.accounts.forms import LoginForm, PasswordForm, RegisterForm, SettingsForm, TokenForm
from app.accounts.queries import list_tokens
from app.accounts.redirects import safe_next
from app.accounts.throttle import login_throttle
from app.errors import Invalid
from app.web import login_required, render_form_error
from app.extensions import db, limiter

bp = Blueprint("accounts", __name__)

HOME = "/"


# POSTs that create accounts or guess the current password: per user when logged in, else per
# address. Logins have their own throttle (app/accounts/throttle.py).
def _credential_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{get_remote_address()}"


_credential_limit = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_credential_key,
                                  methods=["POST"])


def _page(template: str, form, **context):
    """Render a form page: 422 when a submitted form was refused, else 200."""
    status = 422 if form.is_submitted() and _has_errors(form) else 200
    return render_template(template, form=form, **context), status


def _has_errors(form) -> bool:
    return bool(form.form_errors) or any(f.errors for f in form)


def _refused(template: str, form, err: Invalid, **context):
    """The service refused the input: undo, show its messages next to the fields, keep the typing."""
    return render_form_error(template, form, err, **context)


def _me():
    return current_user._get_current_object()


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next(form.next.data, HOME))
    if not form.validate_on_submit():
        return _page("accounts/login.html", form)
    guard = login_throttle()  # rules: app/accounts/throttle.py
    attempt = guard.attempt(form.username.data)
    refusal = guard.refusal(attempt)
    if refusal is not None:
        return _throttled(form, refusal)
    user = accounts.authenticate(db.session, form.username.data, form.password.data)
    if user is None:
        guard.failed(attempt)
        # One message for "no such user" and "wrong password": names must not leak. 200, as the form was fine.
        form.form_errors.append(_("The username or password is incorrect."))
        return render_template("accounts/login.html", form=form), 200
    accounts.record_login(user)
    login_user(user, remember=form.remember.data)
    response = redirect(safe_next(form.next.data, HOME))
    guard.succeeded(attempt, response)
    return response


def _throttled(form: LoginForm, refusal):
    """The login form again, with what was typed (never the password), why, and 429."""
    form.form_errors.append(ngettext(
        "Too many failed attempts to log in. Please wait %(num)d minute and try again.",
        "Too many failed attempts to log in. Please wait %(num)d minutes and try again.",
        refusal.minutes))
    response = make_response(render_template("accounts/login.html", form=form), 429)
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response


@bp.post("/logout")
def logout():
    # Logging out ends every session of the user, on every device (issue 8: sessions that
    # can be ended), not only this browser's.
    if current_user.is_authenticated:
        accounts.end_sessions(_me(), by=_me())
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(HOME)


@bp.route("/register", methods=["GET", "POST"])
@_credential_limit
def register():
    if current_user.is_authenticated:
        return redirect(HOME)
    form = RegisterForm()
    if not form.validate_on_submit():
        return _page("accounts/register.html", form)
    try:
        user = accounts.create_user(db.session, form.username.data, form.password.data, role="customer",
                                    display_name=form.display_name.data or None, email=form.email.data)
    except Invalid as err:
        return _refused("accounts/register.html", form, err)
    except IntegrityError:  # someone took the name or email between the check and the insert
        return _refused("accounts/register.html", form, Invalid(errors={
            "username": _("This username or email was registered a moment ago. Please choose another.")}))
    login_user(user)
    flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name), "success")
    return redirect(HOME)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = SettingsForm(obj=_me())
    if not form.validate_on_submit():
        return _page("accounts/settings.html", form)
    try:
        accounts.update_settings(_me(), display_name=form.display_name.data, locale=form.locale.data or None,
                                 languages=current_app.config["LANGUAGES"])
    except Invalid as err:
        return _refused("accounts/settings.html", form, err)
    session.pop("locale", None)  # the header switcher's choice yields to the account setting
    refresh()  # the confirmation below is already in the newly chosen language
    flash(_("Your settings are saved."), "success")
    return redirect(url_for(".settings"))


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
@_credential_limit
def password():
    form = PasswordForm()
    if not form.validate_on_submit():
        return _page("accounts/password.html", form)
    try:
        accounts.change_password(_me(), form.current_password.data, form.new_password.data,
                                 revoke_tokens=form.revoke_tokens.data)
    except Invalid as err:
        return _refused("accounts/password.html", form, err)
    # Every session ended with the change; this browser goes on under the new identity.
    login_user(_me(), remember=_remembered())
    flash(_("Your password is changed. You are logged out everywhere else."), "success")
    return redirect(url_for(".settings"))


def _remembered() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


@bp.route("/settings/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page("accounts/tokens.html", form, tokens=list_tokens(db.session, _me()))
    token, plaintext = accounts.create_token(db.session, _me(), form.name.data)
    # The plaintext exists only in this response: keep it out of every cache and the history's copy.
    response = make_response(render_template("accounts/token_created.html", token=token, plaintext=plaintext))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    accounts.revoke_token(db.session, token_id, by=_me())
    flash(_("The token is revoked. Programs that use it can no longer sign in."), "success")
    return redirect(url_for(".tokens"))


# Forms that a 429 (rate limit) or a failed CSRF check can refuse before the view runs.
_GUARDED_FORMS = {
    "accounts.login": ("accounts/login.html", LoginForm),
    "accounts.register": ("accounts/register.html", RegisterForm),
    "accounts.password": ("accounts/password.html", PasswordForm),
    "accounts.settings": ("accounts/settings.html", SettingsForm),
    "accounts.tokens": ("accounts/tokens.html", TokenForm),
}


def _form_again(status: int, title: str, message: str):
    """Show the refused form again with what was typed (never a password) and ``message``."""
    template, form_class = _GUARDED_FORMS.get(request.endpoint, ("error.html", None))
    needs_login = request.endpoint not in ("accounts.login", "accounts.register")
    if form_class is None or (needs_login and not current_user.is_authenticated):
        return render_template("error.html", status=status, title=title, detail=message), status
    form = form_class()
    form.form_errors.append(message)
    extra = {"tokens": list_tokens(db.session, _me())} if request.endpoint == "accounts.tokens" else {}
    return render_template(template, form=form, **extra), status


@bp.errorhandler(429)
def too_many_attempts(_err):
    return _form_again(429, _("Too many attempts"),
                       _("Too many attempts from your network. Please wait a minute and try again."))


@bp.errorhandler(CSRFError)
def expired_form(_err):
    # Usually a session that ended while the page was open; the fresh page carries a new token.
    return _form_again(400, _("The form expired"),
                       _("This form was open too long or came from another site. Please check it and send it again."))
