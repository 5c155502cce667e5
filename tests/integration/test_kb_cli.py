"""``flask kb promote-accepted``, ``flask kb review-due`` and ``flask kb recount``, and the ledger
still balancing (``flask points verify``) after everything the knowledge base does."""
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from test_kb_helpers import category, kb, publish_article, thread  # noqa: F401  (fixture)

from app.db import utcnow
from app.extensions import db
from app.forum.models import Question
from app.importer.loader import import_dump
from app.kb.models import Article, ArticleCategory, ArticleSource, Category
from app.kb.services import flag_article, link_article, record_feedback

BEER = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "stackexchange" / "beer"


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["kb", *args])


def test_promote_accepted_makes_drafts_once(app, kb):
    _, a1 = thread(kb, "Accepted answer one")
    _, a2 = thread(kb, "Accepted answer two")
    thread(kb, "Not accepted yet", accept=False)
    place = category("Imported answers", kb.moderator)
    ids = {a1.id, a2.id}   # the command empties the session as it goes: keep plain values
    result = _run(app, "promote-accepted", "--by", "moderator", "--category", str(place.id))
    assert result.exit_code == 0, result.output
    assert "Promoted 2 accepted answers" in result.output
    assert set(db.session.scalars(select(ArticleSource.answer_id))) == ids
    assert set(db.session.scalars(select(Article.status))) == {"draft"}
    assert db.session.scalar(select(func.count()).select_from(ArticleCategory)) == 2
    again = _run(app, "promote-accepted", "--by", "moderator")
    assert again.exit_code == 0 and "Promoted 0" in again.output
    assert _run(app, "promote-accepted", "--by", "staff").exit_code != 0   # not a curator


def test_review_due_lists_then_moves_and_recount_repairs(app, kb):
    article = publish_article(kb, "Review me soon please")
    article.review_by = utcnow().date() - timedelta(days=2)
    db.session.commit()
    dry = _run(app, "review-due", "--dry-run")
    assert dry.exit_code == 0 and f"article {article.id}" in dry.output and "1 article(s) due" in dry.output
    assert db.session.get(Article, article.id).status == "published"
    moved = _run(app, "review-due")
    assert moved.exit_code == 0 and "1 article(s) moved to needs_review" in moved.output
    db.session.expire_all()
    assert db.session.get(Article, article.id).status == "needs_review"
    db.session.execute(Category.__table__.update().values(public_count=99))
    db.session.commit()
    assert _run(app, "recount").exit_code == 0
    db.session.expire_all()
    assert set(db.session.scalars(select(Category.public_count))) == {1}


def test_points_still_balance_after_knowledge_base_work(app, kb):
    article = publish_article(kb, "Points ledger untouched by drafts")
    question, _ = thread(kb, "Reused by a new question", accept=False)
    record_feedback(db.session, article, helpful=True, by=kb.customer)
    link_article(db.session, question, article, by=kb.staff)
    flag_article(db.session, article, reason="unclear", comment="Which form?", by=kb.staff)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["points", "verify"])
    assert result.exit_code == 0, result.output


def test_every_accepted_answer_of_the_beer_dump_becomes_a_draft(app, db):
    assert BEER.joinpath("Posts.xml").is_file(), f"the shared beer dump is missing at {BEER.resolve()}"
    import_dump(db.session, BEER)
    db.session.commit()
    from app.accounts.services import create_user

    create_user(db.session, "curator", None, role="moderator")
    db.session.commit()
    accepted = db.session.scalar(select(func.count(Question.id)).where(Question.accepted_answer_id.is_not(None),
                                                                       Question.deleted_at.is_(None)))
    result = _run(app, "promote-accepted", "--site", "beer.stackexchange.com", "--by", "curator")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Article.id))) == accepted > 500
    article = db.session.scalar(select(Article).order_by(Article.id))
    assert article.source_url.startswith("https://beer.stackexchange.com/a/") and article.license.startswith("CC BY-SA")
