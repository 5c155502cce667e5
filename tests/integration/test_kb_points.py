"""Points for the knowledge base (issue 9): +25 to the source answer's author at the first
publication, +2 to a fixer whose fix someone else publishes, +1 per helpful vote to each
credited author (capped daily with upvotes, reversed when the vote turns "not helpful"), all
through the ledger so `points verify` holds, and as private as the article's source question."""
from __future__ import annotations

from sqlalchemy import select
from test_kb_helpers import kb, publish_article  # noqa: F401  (fixture)

from app.accounts.models import User
from app.extensions import db
from app.kb.services import Changes, publish, record_feedback, save_article
from app.points import rules
from app.points.models import PointsEntry
from app.points.queries import verify, visible_total


def entries(user, reason):
    return db.session.scalars(select(PointsEntry.amount).where(PointsEntry.user_id == user.id,
                                                               PointsEntry.reason == reason)
                              .order_by(PointsEntry.id)).all()


def points(user):
    return db.session.get(User, user.id).points


def test_first_publication_pays_the_answerer_once_and_a_reviewed_fix_pays_its_fixer(kb):
    article = publish_article(kb, "Card PIN reset at the branch")
    assert entries(kb.expert, "article_published") == [25]
    save_article(db.session, article, Changes(sections={"cause": "Three wrong PIN entries."}), by=kb.staff)
    db.session.commit()
    publish(db.session, article, by=kb.moderator)
    db.session.commit()
    assert entries(kb.staff, "article_fixed") == [2]
    assert entries(kb.expert, "article_published") == [25]       # a later publication pays no one again
    # A fix its own editor publishes earns nothing: the reward is for a fix that passed review.
    save_article(db.session, article, Changes(sections={"cause": "Three wrong entries in a day."}), by=kb.moderator)
    publish(db.session, article, by=kb.moderator)
    db.session.commit()
    assert entries(kb.moderator, "article_fixed") == []
    assert verify(db.session) == []


def test_helpful_votes_pay_credited_authors_and_a_change_of_mind_reverses(kb):
    article = publish_article(kb, "Annual fee waiver")
    before = points(kb.expert)
    row, _ = record_feedback(db.session, article, helpful=True, by=kb.customer)
    db.session.commit()
    assert points(kb.expert) == before + 1
    record_feedback(db.session, article, helpful=True, by=kb.customer)     # a replay changes nothing
    db.session.commit()
    assert points(kb.expert) == before + 1
    record_feedback(db.session, article, helpful=False, by=kb.customer)
    db.session.commit()
    assert points(kb.expert) == before
    assert entries(kb.expert, "article_helpful") == [1, -1]
    # A credited author's own vote pays nobody themselves.
    record_feedback(db.session, article, helpful=True, by=kb.expert)
    db.session.commit()
    assert entries(kb.expert, "article_helpful") == [1, -1]
    assert verify(db.session) == []


def test_helpful_points_share_the_daily_upvote_cap(kb, monkeypatch):
    monkeypatch.setattr(rules, "DAILY_UPVOTE_CAP", 1)
    article = publish_article(kb, "Lost card abroad")
    record_feedback(db.session, article, helpful=True, by=kb.customer)
    record_feedback(db.session, article, helpful=True, by=kb.staff)
    db.session.commit()
    assert entries(kb.expert, "article_helpful") == [1, 0]
    assert verify(db.session) == []


def test_entries_are_as_private_as_the_source_question(kb):
    from flask_login import AnonymousUserMixin

    publish_article(kb, "Internal limits table", visibility="internal")
    assert entries(kb.expert, "article_published") == [25]
    anonymous = AnonymousUserMixin()
    public = visible_total(db.session, kb.expert, anonymous)
    assert public == points(kb.expert) - 25 - 15      # neither the internal accept nor the article count
