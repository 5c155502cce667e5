"""Knowledge-base forms (Flask-WTF: CSRF on every form outside tests).

Forms carry and re-display what was typed; the services own the rules and their messages
come back onto the fields (``app.web.copy_errors``). Field names match the services' error
keys (title, issue, resolution, categories, audience, team, owner, review_by, reason ...).
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, HiddenField, IntegerField, RadioField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.kb.models import FLAG_REASONS

AUDIENCE_LABELS = {
    "public": _l("Public: customers and everyone"),
    "internal": _l("Internal: all staff"),
    "team": _l("Team: one business line"),
}
FLAG_LABELS = {
    "outdated": _l("Outdated"),
    "incorrect": _l("Incorrect"),
    "unclear": _l("Unclear"),
    "duplicate": _l("Duplicate of another article"),
}
SECTION_LABELS = {
    "issue": _l("Issue"),
    "environment": _l("Environment"),
    "resolution": _l("Resolution"),
    "cause": _l("Cause"),
}
_REF = re.compile(r"(?:^#?|/kb/articles/)(\d{1,10})(?=[/?#\s]|$)")


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as wtforms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def article_ref(text: str | None) -> int | None:
    """An article id from what someone typed: ``12``, ``#12`` or the article's address."""
    match = _REF.search((text or "").strip())
    return int(match.group(1)) if match else None


def answer_refs(text: str | None) -> list[int] | None:
    """Answer ids from ``12, 15`` or answer addresses (…/answers/12, …#answer-12); None when
    something else was typed."""
    out = []
    for part in re.split(r"[\s,，]+", (text or "").strip()):
        if not part:
            continue
        match = re.search(r"(?:answers/|answer-|^#?)(\d{1,10})$", part)
        if not match:
            return None
        out.append(int(match.group(1)))
    return out


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PromoteForm(FlaskForm):
    mode = RadioField(_l("Turn it into"), choices=options([("new", _l("A new article")),
                                                   ("existing", _l("A new version of an existing article"))]), default="new")
    title = StringField(_l("Title"), description=_l("The question's title, in the asker's words. Change it "
                                                     "only if the words would not find it."))
    answers = MultiCheckboxField(_l("Also include these answers of the thread"), coerce=int, choices=[],
                                 validate_choice=False)
    more = StringField(_l("Answers from other questions"), render_kw={"autocomplete": "off"},
                       description=_l("Answer numbers or links, separated by commas (merging duplicates)."))
    article = StringField(_l("Existing article"), render_kw={"autocomplete": "off"},
                          description=_l("Its number or its address, e.g. 12 or /kb/articles/12."))


class ArticleForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"required": True, "maxlength": 200})
    issue = TextAreaField(SECTION_LABELS["issue"], render_kw={"rows": 5},
                          description=_l("The problem in the words of the person who had it (KCS: capture in "
                                         "the customer's words)."))
    environment = TextAreaField(SECTION_LABELS["environment"], render_kw={"rows": 3},
                                description=_l("Products, channels, versions, account types where it applies."))
    resolution = TextAreaField(SECTION_LABELS["resolution"], render_kw={"rows": 10, "required": True},
                               description=_l("What solves it, step by step. Markdown works."))
    cause = TextAreaField(SECTION_LABELS["cause"], render_kw={"rows": 3},
                          description=_l("Why it happens, if known."))
    note = StringField(_l("What changed"), render_kw={"maxlength": 300},
                       description=_l("A short note for the version history."))
    categories = MultiCheckboxField(_l("Categories"), coerce=int, choices=[], validate_choice=False,
                                    description=_l("One or more places in the knowledge tree."))
    primary_category = SelectField(_l("Primary category"), choices=[], validate_choice=False,
                                   description=_l("Its breadcrumb, and its review period."))
    tags = StringField(_l("Tags"), render_kw={"autocomplete": "off", "spellcheck": "false"},
                       description=_l("Up to five tags separated by spaces."))
    audience = SelectField(_l("Who can read it"), choices=options(AUDIENCE_LABELS.items()),
                           validate_choice=False)
    team = SelectField(_l("Team"), choices=[], validate_choice=False,
                       description=_l("Used only when the audience is one team."))
    owner_user = StringField(_l("Owner"), render_kw={"autocomplete": "off"},
                             description=_l("The username of the person who keeps it correct…"))
    owner_team = SelectField(_l("…or an owning team"), choices=[], validate_choice=False,
                             description=_l("The team's admins are then its owners."))
    review_by = DateField(_l("Review by"), validators=[Optional()],
                          description=_l("Empty: set from the primary category's review period when published."))
    action = HiddenField(default="save")


class TransitionForm(FlaskForm):
    to = HiddenField()
    note = StringField(_l("Why (optional)"), render_kw={"maxlength": 500})


class FeedbackForm(FlaskForm):
    helpful = HiddenField()
    comment = TextAreaField(_l("What was missing or wrong? (optional)"), render_kw={"rows": 3, "maxlength": 1000})


class FlagForm(FlaskForm):
    reason = SelectField(_l("What is wrong"), choices=options((r, FLAG_LABELS[r]) for r in FLAG_REASONS),
                         validate_choice=False)
    comment = TextAreaField(_l("Details for the owner"), render_kw={"rows": 3, "maxlength": 1000})


class ResolveFlagForm(FlaskForm):
    note = StringField(_l("Resolution (optional)"), render_kw={"maxlength": 500})


class ReuseForm(FlaskForm):
    article = StringField(_l("Answer with an existing article"), render_kw={"autocomplete": "off"},
                          description=_l("The article's number or address. Counts as a reuse of the article."))


class RestoreForm(FlaskForm):
    note = StringField(_l("Why (optional)"), render_kw={"maxlength": 300})


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"maxlength": 100, "required": True})
    description = TextAreaField(_l("Description"), render_kw={"rows": 2, "maxlength": 500})
    parent = SelectField(_l("Place under"), choices=[], validate_choice=False)
    position = IntegerField(_l("Position among its siblings"), validators=[Optional()],
                            description=_l("1 is first; empty keeps it (or puts a new one last)."))
    owner_team = SelectField(_l("Owner team"), choices=[], validate_choice=False)
    default_audience = SelectField(_l("Default audience"), choices=options(AUDIENCE_LABELS.items()),
                                   validate_choice=False)
    review_days = IntegerField(_l("Review period (days)"), validators=[Optional()],
                               description=_l("Articles placed here are reviewed this often."))
