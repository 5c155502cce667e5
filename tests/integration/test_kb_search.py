"""Articles in search, in both engines: indexed when readable (and only their published
version), the audience applied inside the engine's filter, ``type=article``, suggestions that
put articles above questions and read the body being typed, an equal article ranked first."""
import pytest
from test_kb_helpers import kb, publish_article, thread  # noqa: F401  (fixture)

from app.extensions import db
from app.kb.services import Changes, save_article, transition
from app.search import get_backend, service
from app.search.backend import Audience, Filters, SearchRequest
from app.search.documents import article_document, question_document
from app.search.embedded import EmbeddedBackend
from app.search.meili import MeiliBackend
from app.search.query import parse_query
from app.search.service import context_of
from tests.integration.meili_standin import MeiliStandIn

ANON, STAFF, CARDS, MOD = (Audience(), Audience(staff=True), Audience(staff=True, team_ids=(1,)),
                           Audience(staff=True, everything=True))


def _article(id_, title, audience="public", team_id=None, body="How to do it."):
    return article_document({"id": id_, "title": title, "slug": f"a{id_}", "body_html": f"<p>{body}</p>",
                             "categories": ["cards"], "audience": audience, "team_id": team_id, "readable": True})


def _question(id_, title, body="The customer asks."):
    return question_document({"id": id_, "title": title, "slug": f"q{id_}", "body_html": f"<p>{body}</p>",
                              "tags": ["cards"], "visibility": "public", "team_id": None, "score": 0,
                              "answer_count": 1, "accepted_answer_id": 9, "closed_at": None, "deleted_at": None,
                              "created_at": None, "source_url": None}, [{"id": 9, "body_html": "<p>x</p>",
                                                                        "score": 0, "deleted_at": None}])


@pytest.fixture(params=["embedded", "meili-standin"])
def engine(request, tmp_path):
    if request.param == "embedded":
        backend = EmbeddedBackend(str(tmp_path / "search.db"))
        backend.setup()
        yield backend
        backend.close()
    else:
        with MeiliStandIn(key="k") as server:
            backend = MeiliBackend(server.url, "k", index_uid="kb")
            backend.setup()
            yield backend


def test_suggest_filters_by_type_inside_the_audience(engine):
    engine.index([_article(1, "Lost card abroad"), _article(2, "Lost card abroad for staff", "internal"),
                  _article(3, "Lost card abroad for the cards team", "team", 1), _question(4, "Lost card abroad?")])
    ids = lambda audience, type_: [h.doc["key"] for h in engine.suggest(  # noqa: E731
        parse_query("lost card abroad"), audience, 10, filters=Filters(type=type_))]
    assert ids(ANON, "article") == ["article-1"]
    assert sorted(ids(STAFF, "article")) == ["article-1", "article-2"]
    assert sorted(ids(CARDS, "article")) == ["article-1", "article-2", "article-3"]
    assert ids(ANON, "question") == ["question-4"]


def test_a_title_being_typed_and_a_body_find_the_duplicate(tmp_path):
    backend = EmbeddedBackend(str(tmp_path / "search.db"))
    backend.index([_question(1, "Card blocked after three wrong PINs", "The ATM kept asking for the PIN."),
                   _question(2, "Replacing an expired card", "The card expired last month."),
                   _question(3, "Which form for a chargeback", "Chargeback form CB-7 for card disputes.")])
    hit = lambda q, body=None: [h.doc["id"] for h in backend.suggest(parse_query(q), MOD, 3,  # noqa: E731
                                                                      context=context_of(body))]
    assert hit("card blocked after wrong PI")[0] == 1   # the half-typed last word completes
    assert hit("dispute a payment", "which chargeback form do I fill in for a card dispute?")[0] == 3
    assert hit("", "the chargeback form number please")[0] == 3   # no title yet: the body alone
    backend.close()


def test_an_equally_relevant_article_ranks_above_a_question(tmp_path):
    backend = EmbeddedBackend(str(tmp_path / "search.db"))
    backend.index([_question(1, "Annual fee refund rules", "Refund rules."),
                   _article(2, "Annual fee refund rules", body="Refund rules.")])
    result = backend.search(SearchRequest(parse_query("annual fee refund"), MOD))
    assert [h.doc["key"] for h in result.hits] == ["article-2", "question-1"]
    backend.close()


def test_published_articles_are_indexed_and_leave_when_archived(app, kb):
    article = publish_article(kb, "Report a stolen card at night", answer="Call the 24-hour hotline.")
    save_article(db.session, article, Changes(sections={"resolution": "SECRET DRAFT hotline 555."}), by=kb.staff)
    db.session.commit()
    found = service.search(db.session, get_backend, q="stolen card night", user=None, filters=Filters(type="article"))
    assert [i.id for i in found.items] == [article.id]
    assert service.search(db.session, get_backend, q="SECRET DRAFT", user=kb.moderator,
                          filters=Filters(type="article")).items == []
    transition(db.session, article, "archived", by=kb.moderator)
    db.session.commit()
    assert service.search(db.session, get_backend, q="stolen card night", user=kb.moderator,
                          filters=Filters(type="article")).items == []


def test_suggestions_put_articles_first_within_the_callers_audience(app, kb):
    public = publish_article(kb, "Change the card PIN in the app")
    internal = publish_article(kb, "Change the card PIN for a VIP customer", "internal")
    thread(kb, "How do I change my card PIN?")
    items = service.suggest(db.session, get_backend, q="change card PIN", user=None)
    assert [(i.type, i.id) for i in items][:1] == [("article", public.id)]
    assert internal.id not in {i.id for i in items if i.type == "article"}
    staff_items = service.suggest(db.session, get_backend, q="change card PIN", user=kb.staff)
    types = [i.type for i in staff_items]
    assert types == sorted(types)   # "article" < "question": every article before the questions
    assert {i.id for i in staff_items if i.type == "article"} == {public.id, internal.id}
