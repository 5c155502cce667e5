"""Forms of the bounty pages: they carry what was typed; the service owns the rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired

from app.points.rules import BOUNTY_DAYS, BOUNTY_MIN


class BountyForm(FlaskForm):
    amount = IntegerField(
        _l("Bounty (points)"), validators=[InputRequired(message=_l("Enter a number of points."))],
        description=_l("At least %(n)d of your points, paid now. The answer that solves the question earns "
                       "them; after %(days)d days without one, half comes back.", n=BOUNTY_MIN, days=BOUNTY_DAYS),
        render_kw={"min": BOUNTY_MIN, "inputmode": "numeric"})


class AwardForm(FlaskForm):
    answer_id = HiddenField()
