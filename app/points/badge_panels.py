"""What badges add to other pages, through ``app.slots``: a profile's badges (``user.sections``)
and the answer author's tally by class on each answer of the question page (``question.answer``;
the forum's author line has no slot of its own, so the tally sits with the answer's panels)."""
from __future__ import annotations

from flask import g, render_template, url_for
from markupsafe import Markup
from sqlalchemy import select

from app import slots
from app.extensions import db
from app.points import badge_queries, badges
from app.points.badge_models import BadgeAward


def _stylesheet() -> Markup:
    """badges.css once per page (the forum's pages link app.css only)."""
    if g.get("badges_stylesheet"):
        return Markup("")
    g.badges_stylesheet = True
    return Markup('<link rel="stylesheet" href="%s">') % url_for("static", filename="css/badges.css")


def user_badges(profile, viewer, **_) -> Markup | None:
    awards = [a for a in badge_queries.user_awards(db.session, profile.user.id) if a.badge in badges.BADGES]
    if not awards:
        return None
    shown = badge_queries.shown_tags(db.session, viewer, awards)
    return _stylesheet() + Markup(render_template("points/_user_badges.html", awards=awards, shown=shown,
                                                  catalogue=badges.BADGES))


def answer_author_tally(page, keys, **_) -> dict:
    """``{answer id: tally}`` for the answers whose author holds a badge, in one query."""
    authors = {a.id: a.author_id for a in page.answers if a.id in set(keys)}
    counts = badge_queries.tallies(db.session, authors.values())
    if not counts:
        return {}
    sheet = _stylesheet()
    out = {}
    for answer_id, author_id in authors.items():
        if counts.get(author_id):
            out[answer_id] = sheet + Markup(render_template(
                "points/_answer_tally.html", counts=counts[author_id], labels=badges.CLASS_LABELS))
            sheet = Markup("")
    return out


def award_subjects(session, reader, ids: set[int]) -> dict:
    """Notification subjects ("badge", award id): the badge's name (and tag) and its page, in
    the reader's language. Badges are public, so every reader may see them."""
    from app.notifications.subjects import Subject

    out = {}
    for award in session.scalars(select(BadgeAward).where(BadgeAward.id.in_(ids))):
        badge = badges.get(award.badge)
        if badge is not None:
            # The name only: the notification's sentence names the tag of a tag badge itself.
            out[award.id] = Subject(str(badge.name), url_for("badges.badge", code=badge.code))
    return out


def _everyone(session, subject_id: int, readers: list) -> set[int]:
    return {r.id for r in readers}


def register() -> None:
    from app.notifications import subjects

    subjects.register("badge", award_subjects, audience=_everyone)
    slots.provide("user.sections", user_badges, order=20)
    slots.provide("question.answer", answer_author_tally, order=80)
