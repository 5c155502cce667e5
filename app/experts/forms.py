"""Forms of the experts' pages. They carry and re-display what the user typed; the services own
the rules (tag names, caps, reason length) and their ``Invalid.errors`` land on these fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateTimeLocalField, HiddenField, IntegerField, RadioField, SelectChoice, StringField,
                     TextAreaField)
from wtforms.validators import InputRequired, NumberRange, Optional

from app.experts.services import MAX_INTERESTS

_CAP = NumberRange(min=0, max=100, message=_l("Between 0 and 100."))


class ExpertSettingsForm(FlaskForm):
    availability = RadioField(_l("Availability"), default="available",
                              choices=[SelectChoice("available", _l("Available: questions may be routed to me")),
                                       SelectChoice("away", _l("Away: route nothing to me"))])
    # The browser sends a local date and time without a zone; the service works in UTC, and the
    # hint says so, because a call centre's shifts cross time zones.
    away_until = DateTimeLocalField(
        _l("Away until (UTC)"), validators=[Optional()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        invalid_value_message=_l("Enter a date and time, e.g. 2030-01-31 18:00."),
        description=_l("Times are in UTC. Leave empty to stay away until you switch back."))
    declared_tags = StringField(
        _l("Tags you know about"), render_kw={"autocomplete": "off", "spellcheck": "false"},
        description=_l("Up to %(n)d existing tags, separated by spaces or commas. Questions in them may be "
                       "routed to you even before you have answered any.", n=MAX_INTERESTS))
    subscribed_tags = StringField(
        _l("Tags you follow"), render_kw={"autocomplete": "off", "spellcheck": "false"},
        description=_l("Up to %(n)d existing tags, separated by spaces or commas. New questions in them are "
                       "more likely to be routed to you.", n=MAX_INTERESTS))
    max_open_routes = IntegerField(_l("Most open routed questions at a time"), validators=[Optional(), _CAP],
                                   render_kw={"min": 0, "max": 100, "inputmode": "numeric"})
    daily_limit = IntegerField(_l("Most routed questions a day"), validators=[Optional(), _CAP],
                               render_kw={"min": 0, "max": 100, "inputmode": "numeric"})


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why not? (optional)"), render_kw={"rows": 2, "maxlength": 500},
                           description=_l("For example: on leave, or another team owns this."))
    # Which page the form was on, so a refused form is shown again where it was typed.
    origin = HiddenField(default="notifications")


class RouteForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(_l("Enter a username."))],
                           render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 64})
