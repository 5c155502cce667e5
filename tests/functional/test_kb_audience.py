"""The audience matrix: a customer, staff of another team, a member of the team, a curator and
an admin, across the article pages, lists and the KB home, search and suggestions, the API,
related items, the Atom feed, category counts and the question page's panel."""
import pytest
from test_api_helpers import api  # noqa: F401  (fixture)
from test_kb_helpers import category, kb, publish_article, thread  # noqa: F401  (fixture)

from app.extensions import db
from app.kb.services import link_article

# Who reads what: public, internal, team (cards).
MATRIX = {"customer": (True, False, False), "loans": (True, True, False), "member": (True, True, True),
          "moderator": (True, True, True), "admin": (True, True, True)}
TITLES = ("Replacement card fee public", "Replacement card fee internal", "Replacement card fee cards team")


@pytest.fixture
def world(kb):
    place = category("Card services", kb.moderator)
    articles = [publish_article(kb, title, vis, team, categories=[place.id], by=kb.moderator)
                for title, (vis, team) in zip(TITLES, (("public", None), ("internal", None), ("team", "cards")))]
    question, _ = thread(kb, "Replacement card fee question", accept=False)
    for article in articles:
        link_article(db.session, question, article, by=kb.moderator)
    db.session.commit()
    return kb, place, articles, question


def _who(kb, role):
    return None if role == "customer-anon" else getattr(kb, role)


@pytest.mark.parametrize("role", list(MATRIX))
def test_every_place_an_article_appears_applies_its_audience(client, api, world, role):
    kb, place, articles, question = world
    user = getattr(kb, role)
    expected = dict(zip(TITLES, MATRIX[role]))
    visible = {t for t, ok in expected.items() if ok}
    from forum_pages_support import sign_in, text

    sign_in(client, user)
    for article, title in zip(articles, TITLES):   # pages (and the print view)
        page = client.get(f"/kb/articles/{article.id}", follow_redirects=True)
        assert (page.status_code == 200) == expected[title], (role, title, page.status_code)
        assert (client.get(f"/kb/articles/{article.id}/print").status_code == 200) == expected[title]
    pages = {"home": text(client.get("/kb/")),
             "category": text(client.get(f"/kb/categories/{place.id}", follow_redirects=True)),
             "feed": text(client.get("/kb/feed.atom")),
             "related": text(client.get(f"/kb/articles/{articles[0].id}", follow_redirects=True)),
             "question panel": text(client.get(f"/questions/{question.id}", follow_redirects=True))}
    search_page = text(client.get("/search?q=replacement+card+fee&type=article"))   # titles are highlighted
    assert [f"key=article-{a.id}&" in search_page for a in articles] == list(MATRIX[role]), (role, "search page")
    for where, html in pages.items():
        for title in TITLES:
            if where == "related" and title == TITLES[0]:
                continue   # the page's own title
            assert (title in html) == (title in visible), (role, where, title)

    def titles(path):
        return {i["title"] for i in api.get(path, user).get_json()["items"]}
    assert titles("/articles") == visible
    assert titles("/articles?q=replacement card fee") == visible
    assert titles("/search?q=replacement card fee&type=article") == visible
    assert titles("/search/suggest?q=replacement card fee&type=article") == visible
    assert {i["title"] for i in api.get("/search/suggest?q=replacement card fee", user).get_json()["items"]
            if i["type"] == "article"} == visible
    assert {i["article"]["title"] for i in api.get(f"/questions/{question.id}/articles", user).get_json()["items"]} \
        == visible
    counts = {c["name"]: c["article_count"] for c in api.get("/categories", user).get_json()["items"]}
    # Counts never reveal team articles: only curators count them (as the forum's tag counts do).
    assert counts["Card services"] == {"customer": 1, "loans": 2, "member": 2}.get(role, 3)
    for article, title in zip(articles, TITLES):
        status = api.get(f"/articles/{article.id}", user).status_code
        assert (status == 200) == expected[title] and status in (200, 404)


def test_anonymous_visitors_read_public_articles_only(client, api, world):
    kb, place, articles, question = world
    assert [client.get(f"/kb/articles/{a.id}").status_code for a in articles] == [301, 404, 404]
    assert {i["title"] for i in api.get("/articles").get_json()["items"]} == {TITLES[0]}
    feed = client.get("/kb/feed.atom").get_data(as_text=True)
    assert TITLES[0] in feed and TITLES[1] not in feed and TITLES[2] not in feed
