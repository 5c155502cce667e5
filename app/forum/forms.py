"""Forum forms (Flask-WTF: CSRF on every form outside tests).

The forms carry and re-display what the user typed; the services own the rules (lengths,
tag limits, who may post with which visibility). A service's ``Invalid.errors`` are copied
back onto the fields with :func:`copy_errors`, so each rule has one source and one message.
``render_kw`` only gives browsers hints (required, maxlength); the server never relies on them.
"""
from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired

from app.forum.models import Visibility
from app.forum.services.moderation import CLOSE_REASONS

VISIBILITY_LABELS = {
    Visibility.public.value: _l("Public: everyone, customers included"),
    Visibility.internal.value: _l("Internal: staff only"),
    Visibility.team.value: _l("Team: members of one team"),
}


def _limit(name: str) -> int:
    return int(current_app.config[name])


class AskForm(FlaskForm):
    title = StringField(
        _l("Title"), render_kw={"required": True, "autocomplete": "off"},
        description=_l("Say what you need in one specific sentence, as the customer would."))
    body = TextAreaField(
        _l("Details"), render_kw={"required": True, "rows": 12},
        description=_l("Markdown works: **bold**, lists, `code`, [links](https://example.com)."))
    tags = StringField(
        _l("Tags"), render_kw={"autocomplete": "off", "spellcheck": "false"},
        description=_l("One to five tags separated by spaces or commas, e.g. credit-card 挂失."))
    visibility = SelectField(_l("Who can see it"), choices=[], validate_choice=False)
    team = SelectField(_l("Team"), choices=[], validate_choice=False,
                       description=_l("Used only when the question is visible to one team."))

    def set_choices(self, visibilities: list[str], teams: list[tuple[int, str]]) -> None:
        self.visibility.choices = [SelectChoice(v, VISIBILITY_LABELS[v]) for v in visibilities]
        self.team.choices = [SelectChoice("", _l("No team"))] + [SelectChoice(str(tid), name) for tid, name in teams]

    def apply_limits(self) -> None:
        self.title.render_kw = {**self.title.render_kw, "maxlength": _limit("MAX_TITLE_LENGTH")}
        self.body.render_kw = {**self.body.render_kw, "maxlength": _limit("MAX_BODY_LENGTH")}


class EditQuestionForm(AskForm):
    comment = StringField(_l("Edit summary"), render_kw={"maxlength": 300},
                          description=_l("What did you change, and why? Shown in the revision history."))


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Answer"), render_kw={"required": True, "rows": 8},
                         description=_l("Markdown works. Cite the policy or procedure you rely on."))


class EditAnswerForm(AnswerForm):
    comment = StringField(_l("Edit summary"), render_kw={"maxlength": 300},
                          description=_l("What did you change, and why? Shown in the revision history."))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), render_kw={"required": True, "rows": 2, "maxlength": 1000},
                         description=_l("Ask for details or suggest an improvement. Use an answer to answer."))


class VoteForm(FlaskForm):
    value = IntegerField(_l("Vote"), validators=[InputRequired(), AnyOf([-1, 0, 1])])
    next = HiddenField()


class CloseForm(FlaskForm):
    reason = SelectField(_l("Reason"), validate_choice=False,
                         choices=[SelectChoice("", _l("Choose a reason"))] +
                         [SelectChoice(k, v) for k, v in CLOSE_REASONS.items() if k != "duplicate"])
    note = TextAreaField(_l("Note for the asker (optional)"), render_kw={"rows": 2, "maxlength": 500})


class DuplicateForm(FlaskForm):
    duplicate_of = StringField(_l("Original question"), render_kw={"required": True, "autocomplete": "off"},
                               description=_l("Its number or its link, e.g. 42 or /questions/42."))


class LanguageForm(FlaskForm):
    locale = HiddenField()
    next = HiddenField()


_QUESTION_REF = re.compile(r"^#?(\d{1,12})$|/questions/(\d{1,12})(?:[/?#]|$)")


def parse_question_ref(text: str | None) -> int | None:
    """The question id in ``42``, ``#42`` or a link containing ``/questions/42``; None otherwise."""
    match = _QUESTION_REF.search((text or "").strip())
    return int(match.group(1) or match.group(2)) if match else None
