"""Administration forms: role, team, membership."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts.models import Role

ROLE_LABELS = {
    Role.customer.value: _l("Customer"),
    Role.staff.value: _l("Staff"),
    Role.expert.value: _l("Expert"),
    Role.moderator.value: _l("Moderator"),
    Role.admin.value: _l("Administrator"),
}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()])


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(_l("Enter a team name.")), Length(max=100)],
                       description=_l("A business line, e.g. Credit cards or 个人贷款."))
    slug = StringField(_l("Short name in addresses (optional)"), validators=[Optional(), Length(max=64)],
                       description=_l("Made from the name when empty."))


class MemberForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter a username.")), Length(max=64)])
    is_team_admin = BooleanField(_l("Team admin (may manage this team's members)"))
