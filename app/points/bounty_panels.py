"""What bounties add to the forum's pages through ``app.slots``: the question page's bounty box
with the offer form, the offerer's "Award bounty" button on answers, and the mark on each listed
question. Each loads what it shows in one query."""
from __future__ import annotations

from flask import g, render_template
from markupsafe import Markup

from app import slots
from app.extensions import db
from app.points import bounties
from app.points.bounty_forms import AwardForm, BountyForm


def _viewer_id(viewer) -> int | None:
    return viewer.id if viewer is not None and getattr(viewer, "is_authenticated", False) else None


def _open_bounty(page):
    """The question's open bounty, looked up once per page (the box and the answers both ask)."""
    cache = g.setdefault("points_open_bounty", {})
    qid = page.question.id
    if qid not in cache:
        cache[qid] = bounties.open_bounty(db.session, qid)
    return cache[qid]


def bounty_box(page, viewer, forms: dict, **_) -> Markup | None:
    """The open bounty (highlighted) or, for a signed-in viewer of an open question, the offer form."""
    question = page.question
    bounty = _open_bounty(page)
    can_offer = bounty is None and bounties.can_offer(question, viewer)
    if bounty is None and not can_offer:
        return None
    return Markup(render_template("points/_bounty_box.html", bounty=bounty, question=question,
                                  form=forms.get("bounty") or BountyForm(formdata=None), can_offer=can_offer))


def award_buttons(keys, page, viewer, **_) -> dict:
    """The offerer's "Award bounty" on every answer but their own."""
    me = _viewer_id(viewer)
    if me is None:
        return {}
    bounty = _open_bounty(page)
    if bounty is None or bounty.offerer_id != me:
        return {}
    form = AwardForm(formdata=None)
    authors = {a.id: a.author_id for a in page.answers}
    return {key: Markup(render_template("points/_award_button.html", bounty=bounty, answer_id=key, form=form))
            for key in keys if authors.get(key) not in (None, me)}


def row_marks(keys, viewer, **_) -> dict:
    return {qid: Markup(render_template("points/_bounty_mark.html", bounty=b))
            for qid, b in bounties.open_bounties_for(db.session, keys).items()}


def register() -> None:
    slots.provide("question.aside", bounty_box, order=5)
    slots.provide("question.answer", award_buttons, order=20)
    slots.provide("question.row", row_marks, order=10)
