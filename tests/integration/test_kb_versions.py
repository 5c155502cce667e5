"""Versions: every save is one, the published one is explicit (a newer draft never reaches
readers or search), diffs, restoring an old version as a new one, and saves that are refused
whole (nothing written)."""
import pytest
from sqlalchemy import func, select
from test_kb_helpers import category, kb, publish_article  # noqa: F401  (fixture)

from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from app.kb.models import ArticleCategory, ArticleTransition, ArticleVersion
from app.kb.queries import article as article_q
from app.kb.queries import editor as editor_q
from app.kb.search_source import documents
from app.kb.services import Changes, restore_version, save_article


def _versions(article) -> int:
    return db.session.scalar(select(func.count(ArticleVersion.id)).where(ArticleVersion.article_id == article.id))


def test_every_save_is_a_version_with_editor_time_and_note(kb):
    article = publish_article(kb, "Temporary limit increase by phone")
    save_article(db.session, article, Changes(sections={"environment": "Credit cards only."}, note="scope"),
                 by=kb.moderator)
    save_article(db.session, article, Changes(title="Temporary credit limit increase by phone", note="clearer"),
                 by=kb.expert)
    db.session.commit()
    rows = editor_q.visible_versions(db.session, article, kb.moderator)
    assert [(r.version.number, r.version.editor_id, r.version.note) for r in rows] == [
        (3, kb.expert.id, "clearer"), (2, kb.moderator.id, "scope"), (1, kb.moderator.id, "")]
    assert all(r.version.created_at for r in rows)
    # The curator's fix was published at once; the expert (not an owner) sent theirs to review.
    assert rows[1].is_published and not rows[0].is_published and article.status == "review"
    save_article(db.session, article, Changes(title="Temporary credit limit increase by phone"), by=kb.moderator)
    assert _versions(article) == 3   # nothing changed: no new version


def test_a_fix_in_review_never_reaches_readers_or_search(kb):
    article = publish_article(kb, "Foreign currency fee explained")
    save_article(db.session, article, Changes(sections={"resolution": "DRAFT TEXT: the fee is now 2%."}), by=kb.staff)
    db.session.commit()
    assert article.status == "review" and article.published_version_id != article.current_version_id
    reader_page = article_q.article_page(db.session, article.id, kb.customer)
    assert reader_page.version.number == 1 and "DRAFT TEXT" not in reader_page.version.resolution_html
    with pytest.raises(NotFound):   # a reader cannot ask for the draft by number either: it is not shown
        editor_q.visible_version(db.session, article, 2, kb.customer)
    assert article_q.article_page(db.session, article.id, kb.customer, number=2).version.number == 1
    assert "DRAFT TEXT" not in next(documents(db.session, [article.id]))["body"]
    assert [r.version.number for r in editor_q.visible_versions(db.session, article, kb.customer)] == [1]
    editor_page = article_q.article_page(db.session, article.id, kb.staff, number=2)
    assert editor_page.version.number == 2 and editor_page.newer_waiting


def test_diff_between_any_two_versions(kb):
    article = publish_article(kb, "Statement copies", answer="Order copies in the app.")
    save_article(db.session, article, Changes(sections={"resolution": "Order copies in the app or at a branch."}),
                 by=kb.moderator)
    save_article(db.session, article, Changes(title="Ordering statement copies"), by=kb.moderator)
    diff = editor_q.diff(db.session, article, 1, 3, kb.moderator)
    inserted = "".join(c.text for s in diff.sections for c in s.chunks if c.op == "insert")
    assert "or at a branch" in inserted and not diff.unchanged
    assert [s.name for s in diff.sections if s.changed] == ["resolution"]
    assert any(c.op == "insert" and "Ordering" in c.text for c in diff.title)
    assert editor_q.diff(db.session, article, 2, 2, kb.moderator).unchanged


def test_restore_saves_an_old_version_again_as_the_newest(kb):
    article = publish_article(kb, "Overdraft interest", answer="Interest is 18% a year.")
    save_article(db.session, article, Changes(sections={"resolution": "Interest is 20% a year."}), by=kb.moderator)
    restore_version(db.session, article, 1, by=kb.moderator)
    db.session.commit()
    head = db.session.get(ArticleVersion, article.current_version_id)
    assert (head.number, head.restored_from, head.resolution_md) == (3, 1, "Interest is 18% a year.")
    assert _versions(article) == 3 and article.published_version_id == head.id


def test_restoring_another_articles_version_is_not_found_and_writes_nothing(kb):
    mine = publish_article(kb, "My article with one version")
    other = publish_article(kb, "Another article")
    save_article(db.session, other, Changes(sections={"cause": "Another cause."}), by=kb.moderator)
    db.session.commit()
    with pytest.raises(NotFound):
        restore_version(db.session, mine, 2, by=kb.moderator)   # version 2 exists, but of the other article
    db.session.rollback()
    assert _versions(mine) == 1


def test_a_refused_save_writes_nothing(kb):
    article = publish_article(kb, "Refused saves leave no trace")
    logged = db.session.scalar(select(func.count(ArticleTransition.id)))
    cats = set(db.session.scalars(select(ArticleCategory.category_id)))
    for changes, field in ((Changes(sections={"resolution": "   "}), "resolution"),
                           (Changes(categories=[999999]), "categories"),
                           (Changes(sections={"issue": "x" * 30_001}), "issue"),
                           (Changes(title="short"), "title"),
                           (Changes(audience="everyone"), "audience"),
                           (Changes(audience="team", team_id=None), "team")):
        with pytest.raises(Invalid) as err:
            save_article(db.session, article, changes, by=kb.moderator)
        assert field in err.value.errors, (field, err.value.errors)
        db.session.rollback()
    with pytest.raises(Forbidden):   # staff may fix, not publish
        save_article(db.session, article, Changes(sections={"cause": "New cause."}), by=kb.staff, action="publish")
    db.session.rollback()
    assert _versions(article) == 1 and article.status == "published"
    assert db.session.scalar(select(func.count(ArticleTransition.id))) == logged
    assert set(db.session.scalars(select(ArticleCategory.category_id))) == cats


def test_widening_beyond_the_sources_is_for_curators(kb):
    article = publish_article(kb, "Internal refund limits", "internal")
    article.owner_user_id = kb.expert.id
    db.session.commit()
    with pytest.raises(Invalid) as err:
        save_article(db.session, article, Changes(audience="public"), by=kb.expert)
    assert "audience" in err.value.errors
    db.session.rollback()
    save_article(db.session, article, Changes(audience="public"), by=kb.moderator)
    db.session.commit()
    assert article.audience == "public"
    log = db.session.scalar(select(ArticleTransition).where(ArticleTransition.reason == "settings"))
    assert "internal → public" in log.note


def test_two_categories_and_a_primary(kb):
    cards, fees = category("Cards", kb.moderator), category("Fees", kb.moderator)
    article = publish_article(kb, "Card fees in two places", categories=[cards.id])
    save_article(db.session, article, Changes(categories=[cards.id, fees.id], primary_category=fees.id),
                 by=kb.moderator)
    db.session.commit()
    assert set(db.session.scalars(select(ArticleCategory.category_id))) == {cards.id, fees.id}
    assert article.primary_category_id == fees.id
    assert (cards.public_count, fees.public_count) == (1, 1)
    with pytest.raises(Invalid) as err:
        save_article(db.session, article, Changes(categories=[cards.id], primary_category=fees.id), by=kb.moderator)
    assert "primary_category" in err.value.errors
