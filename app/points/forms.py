"""Forms of the points admin page: the rule set (one amount and cap flag per editable rule,
built from the rules table) and a manual award. Numbers are typed as text and checked by the
services, so a rejected form shows exactly what was typed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from app.points import rules


class _RulesBase(FlaskForm):
    daily_cap = StringField(_l("Daily cap on upvote points"),
                            description=_l("Most points a user can earn from capped rules in one UTC day."))
    note = TextAreaField(_l("Why the rules change"), validators=[Length(max=500)],
                         description=_l("Required. Kept with the version, for whoever reads the history."))

    def amount_field(self, code: str):
        return self[f"amount_{code}"]

    def capped_field(self, code: str):
        return self[f"capped_{code}"]

    def amounts(self) -> dict[str, str]:
        return {code: self.amount_field(code).data for code in rules.EDITABLE}

    def capped(self) -> set[str]:
        return {code for code in rules.EDITABLE if self.capped_field(code).data}

    def fill(self, ruleset) -> None:
        """Show the rule set in force (on a fresh GET)."""
        for code in rules.EDITABLE:
            self.amount_field(code).data = str(ruleset.amounts[code])
            self.capped_field(code).data = code in ruleset.capped
        self.daily_cap.data = str(ruleset.daily_cap)


def _rules_form_class():
    fields = {}
    for code in rules.EDITABLE:
        label = rules.label(code)
        fields[f"amount_{code}"] = StringField(_l("%(rule)s: points", rule=label))
        fields[f"capped_{code}"] = BooleanField(_l("%(rule)s: counts toward the daily cap", rule=label))
    return type("RulesForm", (_RulesBase,), fields)


RulesForm = _rules_form_class()


class ManualAwardForm(FlaskForm):
    username = StringField(_l("Username"), validators=[Length(max=64)])
    amount = StringField(_l("Points"), description=_l("Negative to deduct, e.g. -20. At most %(n)s either way.",
                                                       n=rules.MANUAL_LIMIT))
    reason = TextAreaField(_l("Reason"), validators=[Length(max=500)],
                           description=_l("Required. Shown in the user's points history."))
    key = HiddenField()
