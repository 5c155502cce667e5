"""The knowledge base through /api/v1: shapes exactly as documented (OpenAPI, key for key),
problem+json errors naming the field, and the calls of API.md."""
import pytest
from sqlalchemy import func, select
from test_api_helpers import api, assert_problem  # noqa: F401  (fixture)
from test_api_openapi import check as _check
from test_api_openapi import response_schema
from test_kb_helpers import category, kb, publish_article, thread  # noqa: F401  (fixture)

from app.extensions import db
from app.kb.models import Article, ArticleVersion


def check(doc, value, schema, where="$"):
    """test_api_openapi's strict check, plus JSON Schema's "number" (the helpful ratio)."""
    import test_api_openapi

    schema = test_api_openapi.resolve(doc, schema)
    if schema.get("type") in ("number", ["number", "null"]):
        assert value is None or isinstance(value, (int, float)) and not isinstance(value, bool), where
        return
    if isinstance(value, dict) and "properties" in schema:
        assert set(value) == set(schema["properties"]), f"{where}: {sorted(set(value) ^ set(schema['properties']))}"
        for key, sub in schema["properties"].items():
            check(doc, value[key], sub, f"{where}.{key}")
        return
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(doc, item, schema["items"], f"{where}[{i}]")
        return
    _check(doc, value, schema, where)


@pytest.fixture
def doc(api):
    return api.get("/openapi.json").get_json()


def _expect(doc, method, path, status, response):
    assert response.status_code == status, response.get_data(as_text=True)[:1500]
    check(doc, response.get_json(), response_schema(doc, method, path, status))
    return response.get_json()


def test_promote_edit_publish_read_and_vote_match_the_document(api, doc, kb):
    _, reply = thread(kb, "Lost card while travelling abroad", answer="Call the hotline, then block the card.")
    cards = category("Cards", kb.moderator)
    draft = _expect(doc, "post", "/answers/{answer_id}/promote", 201,
                    api.post(f"/answers/{reply.id}/promote", kb.moderator, json={}))
    assert (draft["status"], draft["source_answer_id"], draft["version"]) == ("draft", reply.id, 1)
    aid = draft["id"]
    again = api.post(f"/answers/{reply.id}/promote", kb.admin, json={})
    body = _expect(doc, "post", "/answers/{answer_id}/promote", 409, again)
    assert again.mimetype == "application/problem+json" and body["article_id"] == aid
    edited = _expect(doc, "patch", "/articles/{article_id}", 200, api.patch(f"/articles/{aid}", kb.moderator, json={
        "environment": "Debit and credit cards.", "categories": [cards.id], "tags": ["cards", "travel"],
        "note": "scope", "action": "publish"}))
    assert (edited["status"], edited["version"], edited["published_version"]) == ("published", 2, 2)
    assert edited["categories"] == [{"id": cards.id, "name": "Cards", "slug": "cards"}]
    read = _expect(doc, "get", "/articles/{article_id}", 200, api.get(f"/articles/{aid}"))
    assert read["resolution"] == "Call the hotline, then block the card." and read["health"] is None
    assert read["head_version"] is None and read["allowed_transitions"] == []
    _expect(doc, "get", "/articles", 200, api.get("/articles?category=%d" % cards.id))
    versions = _expect(doc, "get", "/articles/{article_id}/versions", 200, api.get(f"/articles/{aid}/versions"))
    assert [v["number"] for v in versions["items"]] == [2]   # the draft that was never published stays private
    assert_problem(api.get(f"/articles/{aid}/versions/1"), 404)
    _expect(doc, "get", "/articles/{article_id}/versions/{number}", 200, api.get(f"/articles/{aid}/versions/1",
                                                                                 kb.moderator))
    _expect(doc, "get", "/articles/{article_id}/diff", 200, api.get(f"/articles/{aid}/diff?from=1&to=2",
                                                                     kb.moderator))
    vote = _expect(doc, "post", "/articles/{article_id}/feedback", 201,
                   api.post(f"/articles/{aid}/feedback", kb.customer, json={"helpful": True}))
    replay = _expect(doc, "post", "/articles/{article_id}/feedback", 201,
                     api.post(f"/articles/{aid}/feedback", kb.customer, json={"helpful": True}))
    assert vote["id"] == replay["id"] and replay["helpful_count"] == 1 and not replay["created"]
    assert_problem(api.post(f"/articles/{aid}/feedback", None, json={"helpful": True}), 401)
    owner = _expect(doc, "get", "/articles/{article_id}", 200, api.get(f"/articles/{aid}", kb.moderator))
    assert owner["health"] == {"helpful": 1, "unhelpful": 0, "ratio": 1.0, "open_flags": 0}
    _expect(doc, "get", "/articles/{article_id}/transitions", 200, api.get(f"/articles/{aid}/transitions",
                                                                           kb.moderator))
    moved = _expect(doc, "post", "/articles/{article_id}/transition", 200,
                    api.post(f"/articles/{aid}/transition", kb.moderator, json={"to": "archived", "note": "old"}))
    assert moved["status"] == "archived"
    assert_problem(api.get(f"/articles/{aid}"), 404)


def test_flags_reuse_categories_and_the_queue_match_the_document(api, doc, kb):
    article = publish_article(kb, "Chargeback deadlines", answer="120 days from the statement date.")
    question, _ = thread(kb, "How long to dispute a payment?", accept=False)
    flag = _expect(doc, "post", "/articles/{article_id}/flags", 201, api.post(
        f"/articles/{article.id}/flags", kb.staff, json={"reason": "outdated", "comment": "It is 90 days now."}))
    _expect(doc, "get", "/articles/{article_id}/flags", 200, api.get(f"/articles/{article.id}/flags", kb.moderator))
    assert_problem(api.get(f"/articles/{article.id}/flags", kb.staff), 403)
    queue = _expect(doc, "get", "/review-queue", 200, api.get("/review-queue", kb.moderator))
    assert queue["items"][0]["reasons"] == ["flagged"] and queue["items"][0]["flags"][0]["id"] == flag["id"]
    _expect(doc, "post", "/articles/{article_id}/flags/{flag_id}/resolve", 200, api.post(
        f"/articles/{article.id}/flags/{flag['id']}/resolve", kb.moderator, json={"note": "Fixed."}))
    link = _expect(doc, "post", "/questions/{question_id}/articles", 201, api.post(
        f"/questions/{question.id}/articles", kb.staff, json={"article_id": article.id}))
    assert link["article"]["reuse_count"] == 1
    _expect(doc, "get", "/questions/{question_id}/articles", 200, api.get(f"/questions/{question.id}/articles"))
    assert_problem(api.post(f"/questions/{question.id}/articles", kb.staff, json={"article_id": article.id}), 409)
    assert api.delete(f"/questions/{question.id}/articles/{article.id}", kb.staff).status_code == 204
    tree = _expect(doc, "get", "/categories", 200, api.get("/categories"))
    made = _expect(doc, "post", "/categories", 201, api.post("/categories", kb.moderator, json={
        "name": "Disputes", "parent_id": tree["items"][0]["id"], "review_days": 90}))
    _expect(doc, "get", "/categories/{category_id}", 200, api.get(f"/categories/{made['id']}", kb.moderator))
    _expect(doc, "patch", "/categories/{category_id}", 200, api.patch(f"/categories/{made['id']}", kb.moderator,
                                                                       json={"parent_id": None, "position": 0}))
    assert api.delete(f"/categories/{made['id']}", kb.moderator).status_code == 204


def test_articles_written_from_scratch_and_the_errors_that_name_their_field(api, doc, kb):
    cards = category("Cards", kb.moderator, default_audience="public")
    made = _expect(doc, "post", "/articles", 201, api.post("/articles", kb.staff, json={
        "title": "Ordering a PIN reminder", "issue": "The customer forgot the PIN.", "resolution": "Order it in "
        "the app.", "categories": [cards.id]}))
    assert (made["status"], made["audience"], made["owner"]["id"]) == ("draft", "public", kb.staff.id)
    aid = made["id"]
    before = db.session.scalar(select(func.count(ArticleVersion.id)))
    assert_problem(api.post("/articles", kb.staff, json={"title": "No resolution here", "issue": "x",
                                                         "resolution": ""}), 422, "resolution")
    assert_problem(api.patch(f"/articles/{aid}", kb.staff, json={"categories": [987654]}), 422, "categories")
    assert_problem(api.patch(f"/articles/{aid}", kb.staff, json={"cause": "x" * 30_001}), 422, "cause")
    assert_problem(api.patch(f"/articles/{aid}", kb.staff, json={"categories": "cards"}), 400, "categories")
    assert_problem(api.patch(f"/articles/{aid}", kb.staff, json={"colour": "red"}), 400, "colour")
    other = publish_article(kb, "Another article with two versions")
    api.patch(f"/articles/{other.id}", kb.moderator, json={"cause": "Second version."})
    assert_problem(api.post(f"/articles/{aid}/versions/2/restore", kb.staff, json={}), 404)
    assert_problem(api.post(f"/articles/{other.id}/transition", kb.staff, json={"to": "archived"}), 403)
    assert_problem(api.post(f"/articles/{aid}/transition", kb.staff, json={"to": "needs_review"}), 409, "to")
    assert_problem(api.post(f"/articles/{aid}/transition", kb.staff, json={"to": "gone"}), 422, "to")
    assert_problem(api.post("/articles", None, json={"title": "x"}), 401)
    assert_problem(api.post("/articles", kb.customer, json={"title": "A customer article", "issue": "x",
                                                            "resolution": "y"}), 403)
    assert db.session.scalar(select(func.count(ArticleVersion.id))) == before + 2   # only the other's save
    published = api.post(f"/articles/{aid}/transition", kb.staff, json={"to": "review"}).get_json()
    assert published["status"] == "review"
    assert api.post(f"/articles/{aid}/transition", kb.staff, json={"to": "published"}).status_code == 200  # owner


def test_list_and_search_articles(api, kb):
    lost = publish_article(kb, "Lost card reported by phone")
    publish_article(kb, "Annual fee waiver for students")
    internal = publish_article(kb, "Lost card procedure for staff", "internal")
    anonymous = [i["id"] for i in api.get("/articles?q=lost card").get_json()["items"]]
    staff = [i["id"] for i in api.get("/articles?q=lost card", kb.staff).get_json()["items"]]
    assert anonymous[0] == lost.id and internal.id not in anonymous
    assert set(staff[:2]) == {lost.id, internal.id}
    assert api.get("/articles?tag=nope").get_json()["total"] == 0
    assert api.get("/articles?status=draft").get_json()["total"] == 0   # readers never list drafts
    assert_problem(api.get("/articles?sort=weird"), 400, "sort")
    search = api.get("/search?q=lost card&type=article").get_json()["items"]
    assert {i["type"] for i in search} == {"article"} and search[0]["id"] == lost.id
    suggest = api.get("/search/suggest?q=lost card&body=the customer lost the card on the phone").get_json()
    assert suggest["items"][0]["type"] == "article" and db.session.get(Article, lost.id)
