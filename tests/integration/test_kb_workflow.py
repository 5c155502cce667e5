"""Article states: every transition by every role (allowed and refused, and the refused ones
change nothing), the log, publication's signal, review dates and source changes."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from test_kb_helpers import kb, publish_article, signals_seen, thread  # noqa: F401  (fixture)

from app import signals
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.forum import services as forum
from app.kb.models import STATUSES, Article, ArticleTransition
from app.kb.services import Changes, promote_answers, publish, review_due, save_article, transition
from app.kb.services.workflow import EDITOR, PUBLISHER, RULES
from app.notifications.models import Notification

ROLES = ("customer", "staff", "loans", "member", "expert", "moderator", "admin")
PUBLISHERS = {"expert", "moderator", "admin"}   # the owner (the expert) and curators


def _expected(role: str, frm: str, to: str):
    readable = frm in ("published", "needs_review")   # a public article customers can read
    if role == "customer" and not readable:
        return NotFound
    if frm == to or (frm, to) not in RULES:
        return Conflict
    if RULES[(frm, to)] == PUBLISHER and role not in PUBLISHERS:
        return Forbidden
    if RULES[(frm, to)] == EDITOR and role == "customer":
        return Forbidden
    return None


def _set_state(article: Article, status: str, published_id: int) -> None:
    article.status = status
    article.published_version_id = published_id if status in ("published", "needs_review", "archived") else None
    db.session.commit()


@pytest.mark.parametrize("role", ROLES)
def test_every_transition_by_every_role(kb, role):
    article = publish_article(kb, f"A public article handled by {role}")
    article.owner_user_id = kb.expert.id
    published = article.published_version_id
    db.session.commit()
    for frm in STATUSES:
        for to in STATUSES:
            _set_state(article, frm, published)
            logged = db.session.scalar(select(func.count(ArticleTransition.id)))
            error = _expected(role, frm, to)
            if error is None:
                transition(db.session, article, to, by=getattr(kb, role), note=f"{frm} to {to}")
                db.session.commit()
                assert article.status == to, (role, frm, to)
                last = db.session.scalar(select(ArticleTransition).order_by(ArticleTransition.id.desc()))
                assert (last.from_status, last.to_status, last.by_id, last.note) == (
                    frm, to, getattr(kb, role).id, f"{frm} to {to}"), (role, frm, to)
            else:
                with pytest.raises(error):
                    transition(db.session, article, to, by=getattr(kb, role))
                db.session.rollback()
                assert article.status == frm, (role, frm, to)
                assert db.session.scalar(select(func.count(ArticleTransition.id))) == logged, (role, frm, to)


def test_an_unknown_status_is_invalid_and_anonymous_callers_are_refused(kb):
    article = publish_article(kb, "Unknown target status")
    with pytest.raises(Invalid) as err:
        transition(db.session, article, "deleted", by=kb.moderator)
    assert "to" in err.value.errors
    with pytest.raises(Forbidden):
        transition(db.session, article, "archived", by=None)


def test_publishing_needs_a_category_and_gives_an_owner_and_a_review_date(kb):
    _, reply = thread(kb, "No category yet")
    article = promote_answers(db.session, reply, by=kb.moderator)
    article.owner_user_id = None
    with pytest.raises(Invalid) as err:
        publish(db.session, article, by=kb.moderator)
    assert "categories" in err.value.errors
    db.session.rollback()
    published = publish_article(kb, "With a category", by=kb.admin)
    assert published.owner_user_id == kb.admin.id
    assert published.review_by == (utcnow() + timedelta(days=180)).date()
    assert published.published_version_id == published.current_version_id


def article_question_id(article):
    from app.kb.models import ArticleSource
    return db.session.scalar(select(ArticleSource.question_id).where(ArticleSource.article_id == article.id))


def test_publication_signals_first_then_a_fix_names_its_fixer(kb):
    with signals_seen(signals.article_published) as seen:
        article = publish_article(kb, "Card PIN reset at the branch")
        save_article(db.session, article, Changes(sections={"cause": "The PIN was blocked after three tries."}),
                     by=kb.staff)
        db.session.commit()
        assert article.status == "review" and len(seen["article-published"]) == 1   # staff may not publish
        publish(db.session, article, by=kb.moderator)
        db.session.commit()
    (s1, first), (s2, fix) = seen["article-published"]
    source = article_question_id(article)
    assert s1 is article and first == {"by": kb.moderator, "version": 1, "first": True,
                                       "answer_authors": [kb.expert.id], "fixer_id": None, "question_id": source}
    assert fix == {"by": kb.moderator, "version": 2, "first": False, "answer_authors": [kb.expert.id],
                   "fixer_id": kb.staff.id, "question_id": source}


def test_review_dates_that_pass_send_articles_to_their_owners(kb):
    article = publish_article(kb, "Annual fee waiver rules")
    article.owner_user_id, article.review_by = kb.member.id, utcnow().date() - timedelta(days=1)
    fresh = publish_article(kb, "Still fresh")
    db.session.commit()
    with signals_seen(signals.article_needs_review) as seen:
        moved = review_due(db.session)
        db.session.commit()
        assert review_due(db.session) == []   # idempotent: a second sweep finds nothing
    assert moved == [article] and article.status == "needs_review" and article.review_reason == "expired"
    assert fresh.status == "published"
    assert seen["article-needs-review"] == [(article, {"by": None, "reason": "expired"})]
    note = db.session.scalar(select(Notification).where(Notification.user_id == kb.member.id))
    assert (note.kind, note.subject_type, note.subject_id, note.payload) == (
        "article_needs_review", "article", article.id, {"reason": "expired"})
    assert article.published_version_id is not None   # readers still read it meanwhile


def test_editing_a_source_answer_sends_the_article_to_review(kb):
    article = publish_article(kb, "Cash advance fees")
    from app.kb.models import ArticleSource
    from app.forum.models import Answer

    answer = db.session.get(Answer, db.session.scalar(select(ArticleSource.answer_id)))
    with signals_seen(signals.article_needs_review) as seen:
        forum.edit_answer(db.session, answer, body="Cash advances cost 3% since January.", by=kb.expert)
        db.session.commit()
    assert article.status == "needs_review" and article.review_reason == "source_changed"
    assert seen["article-needs-review"] == [(article, {"by": kb.expert, "reason": "source_changed"})]
    last = db.session.scalar(select(ArticleTransition).order_by(ArticleTransition.id.desc()))
    assert (last.reason, last.note) == ("source_changed", "answer_edited")
    assert db.session.scalar(select(Notification).where(Notification.kind == "article_needs_review"))


def test_reopening_or_changing_the_accepted_answer_sends_it_to_review(kb):
    article = publish_article(kb, "Closed then reopened")
    from app.kb.models import ArticleSource
    from app.forum.models import Question

    question = db.session.get(Question, db.session.scalar(select(ArticleSource.question_id)))
    forum.close_question(db.session, question, reason="resolved", by=kb.moderator)
    db.session.commit()
    assert article.status == "published"   # closing is not a change of its knowledge
    forum.reopen_question(db.session, question, by=kb.moderator)
    db.session.commit()
    assert (article.status, article.review_reason) == ("needs_review", "source_changed")

    other = publish_article(kb, "Accepted answer replaced")
    q2 = db.session.get(Question, db.session.scalar(select(ArticleSource.question_id)
                                                    .where(ArticleSource.article_id == other.id)))
    better = forum.post_answer(db.session, q2, body="A better answer with the new policy.", by=kb.member)
    forum.accept_answer(db.session, better, by=kb.asker)
    db.session.commit()
    assert other.status == "needs_review"
    moves = db.session.scalars(select(ArticleTransition).where(ArticleTransition.article_id == other.id,
                                                               ArticleTransition.to_status == "needs_review")).all()
    assert len(moves) == 1 and moves[0].note == "accepted_changed"   # one move, not two
