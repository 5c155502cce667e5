"""Capture: an accepted answer becomes a draft article with provenance and credits; merging
several answers; adding one to an existing article; promoting twice is refused; who may."""
import pytest
from sqlalchemy import select
from test_kb_helpers import kb, publish_article, thread  # noqa: F401  (fixture)

from app import privileges
from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from app.forum import services as forum
from app.forum.models import Answer, Question
from app.kb.models import Article, ArticleCredit, ArticleSource, ArticleTransition, ArticleVersion
from app.kb.services import AlreadyPromoted, add_answer_to_article, promote_answers


def _credits(article):
    return sorted((c.role, c.user_id, c.name) for c in db.session.scalars(
        select(ArticleCredit).where(ArticleCredit.article_id == article.id)))


def test_promotion_makes_a_draft_in_the_askers_words_with_provenance_and_credits(kb):
    question, reply = thread(kb, "Card swallowed by an ATM abroad", "internal",
                             body="The ATM in Paris kept the card.", answer="Block the card, then order a new one.")
    forum.edit_answer(db.session, reply, body="Block the card first, then order a new one.", by=kb.moderator)
    db.session.commit()
    article = promote_answers(db.session, reply, by=kb.moderator)
    db.session.commit()
    head = db.session.get(ArticleVersion, article.current_version_id)
    assert (article.status, article.audience, article.published_version_id) == ("draft", "internal", None)
    assert (head.number, head.title, head.issue_md, head.resolution_md) == (
        1, "Card swallowed by an ATM abroad", "The ATM in Paris kept the card.",
        "Block the card first, then order a new one.")
    assert head.environment_md == head.cause_md == ""
    assert "<p>Block the card first" in head.resolution_html
    source = db.session.scalar(select(ArticleSource).where(ArticleSource.article_id == article.id))
    assert (source.question_id, source.answer_id) == (question.id, reply.id)
    assert _credits(article) == [("answerer", kb.expert.id, ""), ("asker", kb.asker.id, ""),
                                 ("editor", kb.moderator.id, "")]
    log = db.session.scalar(select(ArticleTransition).where(ArticleTransition.article_id == article.id))
    assert (log.from_status, log.to_status, log.reason, log.by_id) == (None, "draft", "promoted", kb.moderator.id)
    assert article.owner_user_id == kb.moderator.id


def test_promoting_twice_is_refused_and_names_the_article(kb):
    _, reply = thread(kb, "Replacement card delivery time")
    first = promote_answers(db.session, reply, by=kb.moderator)
    db.session.commit()
    with pytest.raises(AlreadyPromoted) as err:
        promote_answers(db.session, reply, by=kb.admin)
    assert err.value.status == 409 and err.value.article_id == first.id
    db.session.rollback()
    assert db.session.scalar(select(Article.id).where(Article.id != first.id)) is None


def test_a_team_question_gives_a_team_article_never_wider(kb):
    _, reply = thread(kb, "Cards team escalation contacts", "team", "cards")
    article = promote_answers(db.session, reply, by=kb.moderator)
    assert (article.audience, article.team_id) == ("team", reply.question.team_id)


def test_merge_takes_the_narrowest_audience_and_every_source(kb):
    q1, a1 = thread(kb, "How to dispute a card payment")
    second = forum.post_answer(db.session, q1, body="Also keep the receipt for the dispute form.", by=kb.member)
    _, a3 = thread(kb, "Dispute a payment made abroad", "internal")
    db.session.commit()
    article = promote_answers(db.session, a1, by=kb.moderator, more_answer_ids=[second.id, a3.id])
    db.session.commit()
    head = db.session.get(ArticleVersion, article.current_version_id)
    assert article.audience == "internal"
    assert head.resolution_md.count("---") == 2 and "keep the receipt" in head.resolution_md
    assert {s.answer_id for s in db.session.scalars(select(ArticleSource))} == {a1.id, second.id, a3.id}
    assert ("answerer", kb.member.id, "") in _credits(article)


def test_merging_answers_of_two_teams_is_refused(kb):
    _, a1 = thread(kb, "Cards team: card limits for VIP", "team", "cards")
    _, a2 = thread(kb, "Loans team: loan limits for VIP", "team", "loans", tags=("loans",), asker=kb.loans,
                   answerer=kb.loans)
    with pytest.raises(Invalid) as err:
        promote_answers(db.session, a1, by=kb.moderator, more_answer_ids=[a2.id])
    assert "answers" in err.value.errors


def test_an_answer_added_to_a_published_article_is_a_new_version_in_review(kb):
    article = publish_article(kb, "Report a lost card by phone")
    question, _ = thread(kb, "Lost card while travelling", "internal")
    extra = forum.post_answer(db.session, question, body="Abroad, call the international hotline.", by=kb.staff)
    db.session.commit()
    add_answer_to_article(db.session, extra, article, by=kb.moderator)
    db.session.commit()
    head = db.session.get(ArticleVersion, article.current_version_id)
    assert (head.number, article.status) == (2, "review")
    assert article.published_version_id != head.id   # readers keep version 1
    assert article.audience == "internal"            # narrowed to the new source's reach
    assert head.resolution_md.endswith("Abroad, call the international hotline.")
    with pytest.raises(AlreadyPromoted):
        add_answer_to_article(db.session, extra, article, by=kb.moderator)


def test_imported_content_keeps_its_address_author_and_licence(kb):
    _, reply = thread(kb, "Imported question about card fees")
    reply.source_url, reply.source_author, reply.license = "https://beer.stackexchange.com/a/42", "Alice", "CC BY-SA 3.0"
    reply.question.source_url = "https://beer.stackexchange.com/q/41"
    db.session.commit()
    article = promote_answers(db.session, reply, by=kb.moderator)
    source = db.session.scalar(select(ArticleSource))
    assert (source.source_url, source.source_author, source.license, source.question_url) == (
        "https://beer.stackexchange.com/a/42", "Alice", "CC BY-SA 3.0", "https://beer.stackexchange.com/q/41")
    assert (article.source_url, article.source_author, article.license) == (
        "https://beer.stackexchange.com/a/42", "Alice", "CC BY-SA 3.0")


@pytest.mark.parametrize("role", ["customer", "staff", "member", "expert"])
def test_only_curators_promote_by_default(kb, role):
    _, reply = thread(kb, "Who may promote this answer")
    with pytest.raises(Forbidden):
        promote_answers(db.session, reply, by=getattr(kb, role))


def test_moderators_promote_any_answer_experts_by_setting_accepted_ones_only(app, kb):
    question, reply = thread(kb, "An unaccepted answer worth keeping", accept=False)
    assert promote_answers(db.session, reply, by=kb.moderator).status == "draft"
    db.session.rollback()
    app.config["KB_PROMOTE_ROLES"] = ("expert", "moderator", "admin")
    with pytest.raises(Forbidden):
        promote_answers(db.session, db.session.get(Answer, reply.id), by=kb.expert)   # not accepted
    db.session.rollback()
    _, accepted = thread(kb, "An accepted answer for an expert")
    assert promote_answers(db.session, accepted, by=kb.expert).created_by_id == kb.expert.id


def test_the_points_privilege_can_refuse_an_expert(app, kb):
    app.config["KB_PROMOTE_ROLES"] = ("expert", "moderator", "admin")

    def checker(user, action):
        if action == privileges.PROMOTE_ARTICLE and user.role == "expert":
            return privileges.Refusal(action, "Earn 500 points first.", missing=500)
        return None
    privileges.register(checker)
    try:
        _, reply = thread(kb, "Points decide who promotes")
        with pytest.raises(Forbidden) as err:
            promote_answers(db.session, reply, by=kb.expert)
        assert str(err.value.detail) == "Earn 500 points first."
        assert promote_answers(db.session, reply, by=kb.moderator).id   # curators are not asked
    finally:
        privileges._checkers.remove(checker)


def test_hidden_or_deleted_answers_cannot_be_promoted(kb):
    _, hidden = thread(kb, "Team only answer", "team", "loans", tags=("loans",), asker=kb.loans, answerer=kb.loans)
    from flask import current_app

    current_app.config["KB_PROMOTE_ROLES"] = ("staff", "moderator", "admin")
    with pytest.raises(NotFound):   # the cards member cannot see the loans team's answer
        promote_answers(db.session, hidden, by=kb.member)
    _, reply = thread(kb, "Deleted answer")
    forum.delete_post(db.session, reply, by=kb.moderator)
    db.session.commit()
    with pytest.raises(NotFound):
        promote_answers(db.session, db.session.get(Answer, reply.id), by=kb.moderator)
    assert db.session.scalar(select(Question.id).where(Question.id == reply.question_id))
