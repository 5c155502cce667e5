"""Account forms. They check shape (required, length, confirmation); the services own the rules
(username pattern, uniqueness, password strength) and their errors are copied back onto the fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from app.accounts.services import MIN_PASSWORD

# The same message as the service's rule, so the user reads one wording whichever layer refuses.
_long_enough = Length(min=MIN_PASSWORD, message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD))

# Language names are shown in their own language, so a user can find theirs whatever the page language.
LANGUAGE_CHOICES = [SelectChoice("", _l("Same as my browser")), SelectChoice("en", "English"),
                    SelectChoice("zh_CN", "简体中文")]


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter your username.")),
                                                       Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class RegisterForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(_l("Choose a username.")),
                                   Length(min=3, max=64, message=_l("Use 3 to 64 characters."))],
        description=_l("3 to 64 letters, digits, dots, hyphens or underscores. You log in with it."))
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=100)],
                               description=_l("Shown next to your posts. Leave empty to use your username."))
    email = EmailField(
        _l("Email (optional)"),
        validators=[Optional(), Length(max=255),
                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an address like name@example.com."))])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Choose a password.")), _long_enough],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD))
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords differ."))])


class SettingsForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(_l("Enter a display name.")),
                                                               Length(max=100)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Choose a new password.")), _long_enough],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD))
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(_l("Repeat the new password.")), EqualTo("new_password", _l("The two passwords differ."))])
    # Off by default: scripts and integrations keep working unless the user asks otherwise.
    revoke_tokens = BooleanField(
        _l("Also revoke my API tokens"),
        description=_l("Programs that use your tokens will have to be given new ones. Other browsers "
                       "are logged out in any case."))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(_l("Name the token.")), Length(max=100)],
                       description=_l("What will use it, e.g. “reporting script”."))
