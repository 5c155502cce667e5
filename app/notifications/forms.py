"""The notification settings form. The kinds are open (other domains register theirs), so the
form class is built from the registry: one frequency choice per kind."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from app.notifications import kinds

FREQUENCY_LABELS = {"instant": _l("At once"), "daily": _l("Daily digest"), "weekly": _l("Weekly digest"),
                    "off": _l("Off")}


class _Base(FlaskForm):
    timezone = StringField(_l("Time zone"), render_kw={"autocomplete": "off", "spellcheck": "false",
                                                        "list": "timezones", "maxlength": 64},
                           description=_l("Quiet hours and digests follow it, e.g. Asia/Shanghai."))
    quiet_start = StringField(_l("Quiet from"), render_kw={"type": "time"})
    quiet_end = StringField(_l("Quiet until"), render_kw={"type": "time"},
                            description=_l("During quiet hours nothing pops up and no mail is sent. Leave both "
                                           "empty for none."))
    auto_follow = BooleanField(_l("Follow the questions I ask or answer"))
    followed_tags = StringField(_l("Tags I follow"), render_kw={"autocomplete": "off", "spellcheck": "false"},
                                description=_l("Existing tags, separated by spaces or commas: you hear of new "
                                               "questions in them."))


def settings_form_class():
    """A form class with one ``kind_<code>`` select per registered kind."""
    fields = {}
    for kind in kinds.all_kinds():
        choices = [(f, FREQUENCY_LABELS[f]) for f in kind.choices if not (f == "off" and kind.mandatory)]
        fields[f"kind_{kind.code}"] = SelectField(kind.label, choices=choices, default=kind.default)
    return type("NotificationSettingsForm", (_Base,), fields)
