"""The knowledge tree (create, rename, reorder, move a subtree, the refused cycle, deletion),
helpful votes (idempotent, per visitor per day, bounded per address), flags and reuse links."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from test_kb_helpers import category, kb, publish_article, signals_seen, thread  # noqa: F401  (fixture)

from app import signals
from app.db import frozen_clock, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.kb.models import ArticleFeedback, ArticleFlag, Category, ReuseLink
from app.kb.queries.reader import catalog
from app.kb.search_source import documents
from app.kb.services import (delete_category, flag_article, link_article, move_category, record_feedback,
                             resolve_flag, shift_category, unlink_article, update_category)
from app.kb.services.feedback import TooManyVotes


def _kids(parent_id):
    return [c.name for c in db.session.scalars(select(Category).where(
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id)
        .order_by(Category.position))]


def test_create_rename_reorder_and_move_a_subtree(kb):
    cards, loans = category("Cards", kb.moderator), category("Loans", kb.moderator)
    lost, limits = category("Lost", kb.moderator, parent_id=cards.id), category("Limits", kb.moderator,
                                                                               parent_id=cards.id)
    abroad = category("Abroad", kb.moderator, parent_id=lost.id)
    update_category(db.session, lost, {"name": "Lost and stolen"}, by=kb.moderator)
    shift_category(db.session, limits, -1, by=kb.moderator)
    db.session.commit()
    assert _kids(cards.id) == ["Limits", "Lost and stolen"]
    move_category(db.session, lost, parent_id=loans.id, by=kb.moderator)   # with its subcategory
    db.session.commit()
    assert _kids(cards.id) == ["Limits"] and _kids(loans.id) == ["Lost and stolen"]
    assert catalog(db.session, kb.moderator).tree.path(abroad.id) == [loans.id, lost.id, abroad.id]
    move_category(db.session, abroad, parent_id=None, position=0, by=kb.moderator)
    db.session.commit()
    assert _kids(None) == ["Abroad", "Cards", "Loans"]


def test_moving_a_category_under_its_own_descendant_is_refused(kb):
    cards = category("Cards", kb.moderator)
    lost = category("Lost", kb.moderator, parent_id=cards.id)
    abroad = category("Abroad", kb.moderator, parent_id=lost.id)
    for target in (cards.id, lost.id, abroad.id):
        with pytest.raises(Invalid) as err:
            move_category(db.session, cards, parent_id=target, by=kb.moderator)
        assert "parent_id" in err.value.errors
        db.session.rollback()
    assert cards.parent_id is None and lost.parent_id == cards.id


def test_names_are_unique_among_siblings_and_only_curators_change_the_tree(kb):
    cards = category("Cards", kb.moderator)
    with pytest.raises(Invalid):
        category("cards", kb.moderator)
    db.session.rollback()
    category("Cards", kb.moderator, parent_id=cards.id)   # fine under another parent
    with pytest.raises(Forbidden):
        update_category(db.session, cards, {"name": "Karten"}, by=kb.expert)


def test_only_an_empty_category_can_be_deleted(kb):
    cards = category("Cards", kb.moderator)
    child = category("Lost", kb.moderator, parent_id=cards.id)
    with pytest.raises(Conflict):
        delete_category(db.session, cards, by=kb.moderator)
    db.session.rollback()
    publish_article(kb, "An article in Lost", categories=[child.id])
    with pytest.raises(Conflict):
        delete_category(db.session, child, by=kb.moderator)
    db.session.rollback()
    empty = category("Empty", kb.moderator)
    delete_category(db.session, empty, by=kb.moderator)
    db.session.commit()
    assert db.session.get(Category, empty.id) is None


def test_counts_per_audience_roll_up_the_tree(kb):
    cards = category("Cards", kb.moderator)
    lost = category("Lost", kb.moderator, parent_id=cards.id)
    publish_article(kb, "Public lost card", categories=[lost.id])
    publish_article(kb, "Internal lost card", "internal", categories=[lost.id])
    publish_article(kb, "Team lost card", "team", "cards", categories=[cards.id])
    counts = {who: catalog(db.session, getattr(kb, who)).counts for who in ("customer", "staff", "moderator")}
    assert (counts["customer"][cards.id], counts["customer"][lost.id]) == (1, 1)
    assert (counts["staff"][cards.id], counts["staff"][lost.id]) == (2, 2)
    assert (counts["moderator"][cards.id], counts["moderator"][lost.id]) == (3, 2)
    publish_article(kb, "Filed twice: in Cards and in Lost", categories=[cards.id, lost.id])
    assert catalog(db.session, kb.customer).counts[cards.id] == 2   # once, not twice
    loans = category("Loans", kb.moderator)
    move_category(db.session, lost, parent_id=loans.id, by=kb.moderator)
    db.session.commit()
    counts = catalog(db.session, kb.moderator).counts
    assert (counts[cards.id], counts[loans.id], counts[lost.id]) == (2, 3, 3)   # the subtree took its articles


# --- helpful votes ------------------------------------------------------------------------------

def test_one_vote_per_user_replays_change_nothing_and_a_new_vote_replaces(kb):
    article = publish_article(kb, "Helpful or not")
    with signals_seen(signals.article_feedback) as seen:
        row, created = record_feedback(db.session, article, helpful=True, by=kb.customer)
        again, created_again = record_feedback(db.session, article, helpful=True, by=kb.customer)
        db.session.commit()
        assert created and not created_again and again.id == row.id
        assert (article.helpful_count, article.unhelpful_count) == (1, 0)
        record_feedback(db.session, article, helpful=False, by=kb.customer)
        db.session.commit()
    assert (article.helpful_count, article.unhelpful_count) == (0, 1)
    credited = sorted([kb.expert.id, kb.asker.id, kb.moderator.id])
    assert [(k["helpful"], k["feedback_id"], sorted(k["credited"]), k["by"]) for _, k in seen["article-feedback"]] == [
        (True, row.id, credited, kb.customer), (False, row.id, credited, kb.customer)]
    assert db.session.scalar(select(func.count(ArticleFeedback.id))) == 1


def test_anonymous_visitors_vote_once_per_article_per_day_and_addresses_are_bounded(app, kb):
    article = publish_article(kb, "Anonymous votes")
    record_feedback(db.session, article, helpful=True, by=None, visitor_key="v1", address_key="a1")
    record_feedback(db.session, article, helpful=True, by=None, visitor_key="v1", address_key="a1")
    db.session.commit()
    assert article.helpful_count == 1
    with frozen_clock(utcnow() + timedelta(days=1)):
        record_feedback(db.session, article, helpful=True, by=None, visitor_key="v1", address_key="a1")
        db.session.commit()
    assert article.helpful_count == 2   # the next day is a new vote
    app.config["KB_ANON_VOTES_PER_ADDRESS"] = 3
    for n in range(2, 4):
        record_feedback(db.session, article, helpful=True, by=None, visitor_key=f"v{n}", address_key="a1")
    with pytest.raises(TooManyVotes):
        record_feedback(db.session, article, helpful=True, by=None, visitor_key="v9", address_key="a1")
    db.session.rollback()
    with pytest.raises(Invalid):
        record_feedback(db.session, article, helpful=True, by=None, visitor_key=None)


def test_no_with_a_comment_or_several_noes_send_it_to_the_owners_queue(app, kb):
    article = publish_article(kb, "Unhelpful with a comment")
    record_feedback(db.session, article, helpful=False, comment="The form number is wrong.", by=kb.customer)
    db.session.commit()
    assert (article.status, article.review_reason) == ("needs_review", "unhelpful")
    app.config["KB_UNHELPFUL_VOTES"] = 2
    other = publish_article(kb, "Unhelpful twice")
    record_feedback(db.session, other, helpful=False, by=kb.customer)
    assert other.status == "published"
    record_feedback(db.session, other, helpful=False, by=kb.staff)
    assert other.status == "needs_review"


def test_drafts_cannot_be_voted_on(kb):
    _, reply = thread(kb, "Draft only")
    from app.kb.services import promote_answers

    draft = promote_answers(db.session, reply, by=kb.moderator)
    with pytest.raises(NotFound):
        record_feedback(db.session, draft, helpful=True, by=kb.customer)


# --- flags and reuse -----------------------------------------------------------------------------

def test_staff_flag_it_owners_are_told_and_publishing_resolves(kb):
    article = publish_article(kb, "Flag me: outdated fees")
    with signals_seen(signals.article_flagged) as seen:
        flag = flag_article(db.session, article, reason="outdated", comment="Fees changed in March.", by=kb.staff)
        db.session.commit()
    assert seen["article-flagged"] == [(article, {"by": kb.staff, "reason": "outdated"})]
    assert (article.status, article.review_reason) == ("needs_review", "flagged")
    from app.notifications.models import Notification

    note = db.session.scalar(select(Notification).where(Notification.kind == "article_flagged"))
    assert (note.user_id, note.payload, note.actor_id) == (kb.moderator.id, {"reason": "outdated"}, kb.staff.id)
    with pytest.raises(Conflict):
        flag_article(db.session, article, reason="outdated", comment="Again.", by=kb.staff)
    db.session.rollback()
    with pytest.raises(Forbidden):
        flag_article(db.session, article, reason="unclear", comment="?", by=kb.customer)
    db.session.rollback()
    with pytest.raises(Invalid) as err:
        flag_article(db.session, article, reason="boring", comment="", by=kb.staff)
    assert set(err.value.errors) == {"reason", "comment"}
    db.session.rollback()
    with pytest.raises(Forbidden):
        resolve_flag(db.session, flag, by=kb.staff)
    db.session.rollback()
    from app.kb.services import publish

    publish(db.session, article, by=kb.moderator)
    db.session.commit()
    assert db.session.get(ArticleFlag, flag.id).resolved_at is not None


def test_reuse_links_count_raise_the_article_and_can_be_undone(kb):
    article = publish_article(kb, "Reuse me for a question")
    question, _ = thread(kb, "Customer asks the same thing again", accept=False)
    with signals_seen(signals.article_reused) as seen:
        link = link_article(db.session, question, article, by=kb.staff)
        db.session.commit()
    assert seen["article-reused"] == [(article, {"by": kb.staff, "question_id": question.id})]
    assert article.reuse_count == 1 and next(documents(db.session, [article.id]))["score"] == 1
    with pytest.raises(Conflict):
        link_article(db.session, question, article, by=kb.member)
    db.session.rollback()
    with pytest.raises(Forbidden):
        link_article(db.session, question, article, by=kb.customer)
    db.session.rollback()
    with pytest.raises(Forbidden):
        unlink_article(db.session, link, by=kb.member)
    db.session.rollback()
    unlink_article(db.session, db.session.get(ReuseLink, link.id), by=kb.staff)
    db.session.commit()
    assert article.reuse_count == 0


def test_only_readable_articles_can_be_linked(kb):
    internal = publish_article(kb, "Internal only answer", "internal")
    question, _ = thread(kb, "A customer question", accept=False)
    with pytest.raises(Forbidden):   # customers do not answer with articles
        link_article(db.session, question, internal, by=kb.customer)
    db.session.rollback()
    assert link_article(db.session, question, internal, by=kb.staff).id
    team = publish_article(kb, "Team article", "team", "cards")
    with pytest.raises(Invalid) as err:
        link_article(db.session, question, team, by=kb.loans)   # not their team's: as if it did not exist
    assert "article" in err.value.errors
