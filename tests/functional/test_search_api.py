"""GET /api/v1/search and /api/v1/search/suggest: shapes (checked against the OpenAPI
document), visibility, bad input as problems, never a 500."""
import pytest
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)
from test_api_openapi import check as _check
from test_api_openapi import response_schema
from search_support import reads_end_with_their_request  # noqa: F401  (autouse fixture)

from app.forum import services


def check(doc, value, schema):
    """test_api_openapi's strict check, taught JSON Schema's "number" (the relevance score)."""
    import copy
    import json

    doc = json.loads(json.dumps(doc).replace('"type": "number"', '"type": "string"'))
    value = copy.deepcopy(value)
    for item in value.get("items", []):
        if isinstance(item.get("score"), float):
            item["score"] = str(item["score"])
    _check(doc, value, schema)


def test_search_shape_matches_the_document(api, cast):
    doc = api.get("/openapi.json").get_json()
    response = api.get("/search?q=card+PIN", cast.moderator)
    assert response.status_code == 200
    body = response.get_json()
    check(doc, body, response_schema(doc, "get", "/search", 200))
    item = body["items"][0]
    assert item["type"] == "question" and item["id"] == cast.public.id
    assert item["url"].endswith(f"/questions/{cast.public.id}/how-do-i-reset-a-card-pin")
    assert "<mark>PIN</mark>" in item["snippet"] or item["snippet"] == "Body text long enough."
    assert body["page"] == 1 and body["per_page"] == 20
    suggest = api.get("/search/suggest?q=reset+a+ca")
    check(doc, suggest.get_json(), response_schema(doc, "get", "/search/suggest", 200))


def test_visibility(api, cast):
    titles = lambda user: {i["title"] for i in api.get("/search?q=card", user).get_json()["items"]}  # noqa: E731
    assert titles(None) == titles(cast.customer) == {"How do I reset a card PIN?"}
    assert titles(cast.staff) == {"How do I reset a card PIN?", "Internal limits for card refunds"}
    assert len(titles(cast.member)) == 3 and len(titles(cast.moderator)) == 3
    assert {i["title"] for i in api.get("/search/suggest?q=card", cast.staff).get_json()["items"]} == \
        {"How do I reset a card PIN?", "Internal limits for card refunds"}


def test_source_url_of_imported_posts(api, cast, db):
    cast.public.source_url = "https://beer.stackexchange.com/q/1"
    db.session.commit()
    services.edit_question(db.session, cast.public, title="How do I reset a card PIN code?", by=cast.asker)
    db.session.commit()
    item = api.get("/search?q=PIN").get_json()["items"][0]
    assert item["source_url"] == "https://beer.stackexchange.com/q/1"


@pytest.mark.parametrize("query,field", [
    ("q=" + "x" * 10_000, "q"), ("q=%22*-:", "q"), ("q=card&status=open", "status"),
    ("q=card&type=wiki", "type"), ("q=card&from=2024-13-01", "from"), ("q=card&team=nope", "team"),
    ("q=card&page=x", "page"), ("q=card&per_page=1.5", "per_page")])
def test_bad_input_is_a_400_problem(api, cast, query, field):
    assert_problem(api.get(f"/search?{query}"), 400, field)


@pytest.mark.parametrize("q", ['"', "NEAR(", "*", "-", ":", "card AND OR", "title:card", "'", "\\", "%00"])
def test_fts_syntax_never_reaches_the_engine(api, cast, q):
    response = api.get("/search", query_string={"q": q})
    assert response.status_code in (200, 400), response.get_data(as_text=True)


def test_filters_team_and_paging(api, cast):
    body = api.get("/search?q=cards&team=cards&per_page=500", cast.moderator).get_json()
    assert [i["title"] for i in body["items"]] == ["Cards team escalation contacts"] and body["per_page"] == 100
    assert api.get("/search?tag=cards", cast.moderator).get_json()["total"] == 3   # no words: filters list


def test_api_searches_are_logged(api, cast, db):
    from app.search.models import SearchLog

    api.get("/search?q=card", cast.staff)
    api.get("/search/suggest?q=card", cast.staff)
    entry = db.session.query(SearchLog).one()
    assert (entry.source, entry.role, entry.result_count) == ("api", "staff", 2)
