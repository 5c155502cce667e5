"""The registry of document sources: a second type joins questions in the same index, through
the same signals-after-commit path and the same reindex, filtered by ``type`` and by audience
inside the engine.

The second type here is the knowledge base's ``article`` as the kb domain will register it,
with a dict standing in for its table (the test must not add a table to the forum schema).
"""
from datetime import datetime

import pytest
from blinker import Namespace

from app.forum import services
from app.search import get_backend, service
from app.search.backend import Audience, Filters, SearchRequest
from app.search.documents import article_document
from app.search.query import parse_query
from app.search.sources import DocumentSource, all_sources, register_source, unregister_source
from app.search.web import item_url

article_changed = Namespace().signal("test-article-changed")
STORE: dict[int, dict] = {}


def _documents(session, ids):
    for i in ids:
        if i in STORE:
            doc = article_document(dict(STORE[i], id=i, slug=f"a{i}", created_at=datetime(2024, 1, 1),
                                        source_url=None, body_html=f"<p>{STORE[i]['body']}</p>"))
            if doc is not None:
                yield doc


def _visible_ids(session, user, ids):
    audience = service.audience_for(user)
    return {i for i in ids if i in STORE and audience.allows(STORE[i]["audience"], STORE[i]["team_id"])}


ARTICLES = DocumentSource(
    type="article", documents=_documents, visible_ids=_visible_ids,
    all_ids=lambda session, after, limit: sorted(i for i in STORE if i > after)[:limit],
    count=lambda session: len(STORE), dirty={article_changed: lambda sender, article_id, **_: [article_id]},
    url=lambda id_, slug, external: f"/kb/articles/{id_}")


@pytest.fixture
def articles(app):
    STORE.clear()
    register_source(ARTICLES)
    yield STORE
    unregister_source("article")
    STORE.clear()


def publish(db, by, article_id, title, audience="public", team_id=None, status="published"):
    STORE[article_id] = {"title": title, "body": "Steps for the branch.", "categories": ["cards"],
                         "audience": audience, "team_id": team_id, "status": status}
    article_changed.send(by, article_id=article_id, by=by)   # sent inside the writer's transaction
    db.session.commit()


def keys(db, q, user=None, **filters):
    page = service.search(db.session, get_backend(), q=q, user=user, filters=Filters(**filters))
    return [item.key for item in page.items]


def test_articles_join_questions_and_type_filters(db, make_user, articles):
    staff = make_user("staff")
    question = services.ask_question(db.session, title="Replacement card delivery time",
                                     body="How long does the delivery take?",
                                     tags=["cards"], by=staff)
    db.session.commit()
    publish(db, staff, 1, "Replacement card policy")
    assert sorted(keys(db, "replacement card")) == ["article-1", f"question-{question.id}"]
    assert keys(db, "replacement card", type="article") == ["article-1"]
    assert keys(db, "replacement card", type="question") == [f"question-{question.id}"]
    page = service.search(db.session, get_backend(), q="replacement card policy", user=None)
    assert item_url(page.items[0]) == "/kb/articles/1"


def test_audience_is_applied_by_the_engine(db, make_user, articles):
    staff = make_user("staff", teams=("cards",))
    publish(db, staff, 1, "Statement reprint public")
    publish(db, staff, 2, "Statement reprint internal", audience="internal")
    publish(db, staff, 3, "Statement reprint for the cards team", audience="team", team_id=next(iter(staff.team_ids)))
    backend = get_backend()

    def engine(audience):  # the engine alone: no safety net after it
        result = backend.search(SearchRequest(parse_query("statement reprint"), audience, Filters(type="article"),
                                              per_page=1))
        return result.total
    assert engine(Audience()) == 1
    assert engine(Audience(staff=True)) == 2
    assert engine(Audience(staff=True, team_ids=tuple(staff.team_ids))) == 3
    assert keys(db, "statement reprint", None) == ["article-1"]
    assert len(keys(db, "statement reprint", staff)) == 3


def test_an_unpublished_article_leaves_and_a_rollback_sends_nothing(db, make_user, articles):
    staff = make_user("staff")
    publish(db, staff, 1, "Overdraft fee waiver")
    assert keys(db, "overdraft") == ["article-1"]
    publish(db, staff, 1, "Overdraft fee waiver", status="draft")
    assert keys(db, "overdraft") == []
    STORE[2] = {"title": "Zanzibar transfer rules", "body": "x", "categories": [], "audience": "public",
                "team_id": None, "status": "published"}
    services.ask_question(db.session, title="Zanzibar question rolled back", body="Rolled back with the article.",
                          tags=["cards"], by=staff)
    article_changed.send(staff, article_id=2, by=staff)
    db.session.rollback()
    db.session.commit()
    assert keys(db, "zanzibar") == []


def test_reindex_includes_every_source(app, db, make_user, articles):
    staff = make_user("staff")
    services.ask_question(db.session, title="Lost card abroad", body="What should the customer do now?",
                          tags=["cards"], by=staff)
    db.session.commit()
    STORE[5] = {"title": "Lost card abroad: the procedure", "body": "Call us.", "categories": ["cards"],
                "audience": "public", "team_id": None, "status": "published"}  # never signalled
    assert keys(db, "lost card abroad") != ["article-5"] and len(keys(db, "lost card abroad")) == 1
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Indexed 2 documents" in result.output, result.output
    assert len(keys(db, "lost card abroad")) == 2


def test_registration_is_checked_and_replaces_by_type(articles):
    with pytest.raises(ValueError):
        DocumentSource(type="Bad-Type", documents=_documents, visible_ids=_visible_ids,
                       all_ids=ARTICLES.all_ids, count=ARTICLES.count)
    register_source(ARTICLES)
    assert [s.type for s in all_sources()].count("article") == 1


def test_documents_must_say_who_may_find_them():
    with pytest.raises(ValueError):
        article_document({"id": 1, "title": "No audience", "status": "published"})
    with pytest.raises(ValueError):
        article_document({"id": 1, "title": "Team without a team", "status": "published", "audience": "team"})
