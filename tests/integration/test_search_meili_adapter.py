"""The Meilisearch adapter's HTTP conversation, checked by the local stand-in
(tests/integration/meili_standin.py): settings, documents, filters, waits and errors.

What a real server does with these requests (ranking, typos, Chinese) is only checked by the
contract suite when MEILI_URL is set."""

import pytest

from app.search.backend import Audience, Filters, SearchRequest, SearchUnavailable
from app.search.meili import SETTINGS, MeiliBackend, audience_filter, filter_expressions, query_text
from app.search.query import parse_query
from tests.integration.meili_standin import MeiliStandIn
from tests.integration.test_search_contract import doc


@pytest.fixture
def server():
    with MeiliStandIn(key="secret") as s:
        yield s


@pytest.fixture
def meili(server):
    backend = MeiliBackend(server.url, "secret", index_uid="forum")
    backend.setup()
    return backend


def sent(server, method, path_start):
    return [(p, body) for m, p, body in server.requests if m == method and p.startswith(path_start)]


def test_setup_creates_the_index_with_the_settings_and_waits(server, meili):
    assert sent(server, "POST", "/indexes") == [("/indexes", {"uid": "forum", "primaryKey": "key"})]
    (_, settings), = sent(server, "PATCH", "/indexes/forum/settings")
    assert settings == SETTINGS
    assert settings["searchableAttributes"] == ["title", "tags", "body", "answers"]  # attribute ranking
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert all(t["status"] == "succeeded" for t in server.tasks)  # it waited on both tasks
    MeiliBackend(server.url, "secret", index_uid="forum").setup()  # idempotent: no second creation
    assert len(sent(server, "POST", "/indexes")) == 1


def test_documents_and_read_after_write(server, meili):
    meili.index([doc(1, "Lost card abroad")], wait=False)
    assert meili.search(SearchRequest(parse_query("lost"), Audience())).total == 0  # still enqueued
    meili.index([doc(2, "Lost PIN letter")])                                        # wait=True
    assert meili.search(SearchRequest(parse_query("lost"), Audience())).total == 2
    (path, body), *_ = sent(server, "POST", "/indexes/forum/documents")
    assert path == "/indexes/forum/documents?primaryKey=key"
    assert body[0]["key"] == "question-1" and set(body[0]) >= {"title", "tags", "body", "answers", "visibility",
                                                                "team_id", "is_accepted", "created_ts", "score"}
    meili.delete(["question-1", "question-9"])
    (_, body), = sent(server, "POST", "/indexes/forum/documents/delete")
    assert body == {"filter": 'key IN ["question-1", "question-9"]'}
    assert meili.count() == 1


def test_visibility_and_filters_are_filter_expressions_of_the_same_request(server, meili):
    assert audience_filter(Audience()) == 'visibility = "public"'
    assert audience_filter(Audience(staff=True)) == 'visibility IN ["public", "internal"]'
    assert audience_filter(Audience(staff=True, team_ids=(3, 7))) == \
        '(visibility IN ["public", "internal"] OR (visibility = "team" AND team_id IN [3, 7]))'
    assert audience_filter(Audience(staff=True, everything=True)) is None
    f = Filters(tags=('say "hi"',), status="accepted", type="question", team_id=3, date_from="2024-01-01",
                date_to="2024-01-31")
    assert filter_expressions(Audience(), f) == [
        'visibility = "public"', 'tags = "say \\"hi\\""', "is_accepted = true", 'type = "question"',
        "team_id = 3", "created_ts >= 1704067200", "created_ts < 1706745600"]
    meili.search(SearchRequest(parse_query("card"), Audience(staff=True, team_ids=(3,)), f, page=2, per_page=5))
    (_, body), = sent(server, "POST", "/indexes/forum/search")
    assert body["filter"][0].startswith("(visibility IN") and body["page"] == 2 and body["hitsPerPage"] == 5
    assert body["showRankingScore"] is True and body["highlightPreTag"] == "\ue000"


def test_pages_hold_only_visible_documents(meili):
    meili.index([doc(i, f"Refund number {i}", visibility="internal" if i % 2 else "public") for i in range(1, 9)])
    result = meili.search(SearchRequest(parse_query("refund"), Audience(), per_page=3))
    assert result.total == 4 and len(result.hits) == 3
    assert all(h.doc["visibility"] == "public" for h in result.hits)


def test_queries_are_rebuilt_from_words(meili):
    assert query_text(parse_query('-fraud "report lost" NEAR( card*')) == 'fraud "report lost" near card'
    meili.search(SearchRequest(parse_query(""), Audience()))  # empty: newest first


def test_synonym_groups_become_a_map_both_ways(server, meili):
    meili.set_synonyms([["信用卡", "Credit Card"], ["挂失", "report lost"]])
    (path, body), = sent(server, "PUT", "/indexes/forum/settings/synonyms")
    assert body == {"信用卡": ["credit card"], "credit card": ["信用卡"], "挂失": ["report lost"],
                    "report lost": ["挂失"]}
    assert server.tasks[-1]["status"] == "succeeded"


def test_highlighted_words_come_back_for_the_snippets(meili):
    meili.index([doc(1, "Chargeback deadline", "Open the chargeback within 120 days.")])
    result = meili.search(SearchRequest(parse_query("chargeback"), Audience()))
    assert "chargeback" in result.terms and result.hits[0].score > 0


def test_errors_become_search_unavailable(server):
    wrong_key = MeiliBackend(server.url, "wrong", index_uid="forum")
    with pytest.raises(SearchUnavailable):
        wrong_key.setup()
    nowhere = MeiliBackend("http://127.0.0.1:9", None, index_uid="forum")
    with pytest.raises(SearchUnavailable):
        nowhere.search(SearchRequest(parse_query("x"), Audience()))


def test_a_failed_task_is_an_error(server, meili):
    with pytest.raises(SearchUnavailable):
        meili.index([{**doc(1, "Bad id"), "key": "bad id!"}])


def test_the_service_answers_503_when_the_engine_is_down(app, client):
    from app.search import set_backend

    set_backend(app, MeiliBackend("http://127.0.0.1:9", None, index_uid="forum"))
    response = client.get("/api/v1/search?q=card")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert client.get("/api/v1/search/suggest?q=card").get_json() == {"items": []}
    assert client.get("/search?q=card").status_code == 503
