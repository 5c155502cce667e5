"""The knowledge base's HTML pages: promotion in two clicks from the question page, editing and
publishing, bad input that keeps what was typed and writes nothing, the helpful widget (a
replayed vote counts once), the question page's panels, and pinned query counts."""
import re

import pytest
from forum_pages_support import count_queries, sign_in, sign_out, text
from sqlalchemy import func, select
from test_kb_helpers import category, kb, publish_article, thread  # noqa: F401  (fixture)

from app.extensions import db
from app.kb.models import Article, ArticleFeedback, ArticleVersion, ReuseLink


def _url(article):
    return f"/kb/articles/{article.id}"


def test_a_curator_promotes_in_two_clicks_then_places_and_publishes(client, kb):
    question, reply = thread(kb, "Card kept by the ATM at night", answer="Block it in the app, then call us.")
    cards, fees = category("Cards", kb.moderator), category("Fees", kb.moderator)
    sign_in(client, kb.moderator)
    page = text(client.get(f"/questions/{question.id}", follow_redirects=True))
    promote = re.search(r'href="(/kb/answers/\d+/promote)"', page).group(1)          # click 1
    form = client.get(promote)
    assert form.status_code == 200 and "Card kept by the ATM at night" in text(form)
    done = client.post(promote, data={"mode": "new", "title": "Card kept by the ATM at night"})   # click 2
    assert done.status_code == 303 and "/edit" in done.headers["Location"]
    article = db.session.scalar(select(Article))
    saved = client.post(done.headers["Location"], data={
        "title": "Card kept by an ATM at night", "issue": "The ATM kept the card at night.",
        "environment": "", "resolution": "Block it in the app, then call us.", "cause": "", "note": "tidy",
        "categories": [str(cards.id), str(fees.id)], "primary_category": str(cards.id), "tags": "cards",
        "audience": "public", "team": "", "owner_user": "", "owner_team": "", "review_by": "", "action": "publish"})
    assert saved.status_code == 303, text(saved)[:3000]
    db.session.refresh(article)
    assert article.status == "published" and article.primary_category_id == cards.id
    page = text(client.get(f"/questions/{question.id}", follow_redirects=True))
    assert "This answer became the article" in page and "Card kept by an ATM at night" in page
    sign_out(client)
    shown = text(client.get(_url(article), follow_redirects=True))
    assert "Card kept by an ATM at night" in shown and "From the question" in shown and "Fees" in shown


def _form(article, **changes):
    data = {"title": "A perfectly fine title", "issue": "The issue.", "environment": "", "resolution": "Fix it so.",
            "cause": "", "note": "", "categories": [], "primary_category": "", "tags": "", "audience": "public",
            "team": "", "owner_user": "", "owner_team": "", "review_by": "", "action": "save"}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes, status, field_id, message", [
    ({"resolution": "   "}, 422, "resolution", "Write the resolution"),
    ({"categories": ["424242"]}, 422, "categories", "Unknown category"),
    ({"issue": "x" * 30_001}, 422, "issue", "At most 30000 characters"),
    ({"action": "publish"}, 403, None, "Only the article"),
])
def test_bad_input_keeps_what_was_typed_and_writes_nothing(client, kb, changes, status, field_id, message):
    article = publish_article(kb, "Refusals keep the text")
    versions = db.session.scalar(select(func.count(ArticleVersion.id)))
    sign_in(client, kb.staff)   # may fix, not publish
    data = _form(article, title="Typed title kept in the form", **changes)
    if changes.get("categories") is None:
        data["categories"] = [str(article.primary_category_id)]
    response = client.post(f"/kb/articles/{article.id}/edit", data=data)
    html = text(response)
    assert response.status_code == status, html[:2000]
    assert 'value="Typed title kept in the form"' in html and message in html
    if field_id:
        assert f'id="{field_id}-error"' in html
    assert db.session.scalar(select(func.count(ArticleVersion.id))) == versions
    assert db.session.get(Article, article.id).status == "published"


def test_restoring_another_articles_version_is_a_404(client, kb):
    mine, other = publish_article(kb, "Mine has one version"), publish_article(kb, "Other has two versions")
    sign_in(client, kb.moderator)
    client.post(f"/kb/articles/{other.id}/edit", data=_form(other, resolution="Second version.",
                                                            categories=[str(other.primary_category_id)]))
    assert client.post(f"/kb/articles/{mine.id}/versions/2/restore").status_code == 404
    assert db.session.scalar(select(func.count(ArticleVersion.id)).where(ArticleVersion.article_id == mine.id)) == 1


def test_promoting_twice_shows_the_existing_article_with_a_409(client, kb):
    _, reply = thread(kb, "Promote me twice please")
    sign_in(client, kb.moderator)
    client.post(f"/kb/answers/{reply.id}/promote", data={"mode": "new"})
    again = client.post(f"/kb/answers/{reply.id}/promote", data={"mode": "new"})
    article = db.session.scalar(select(Article))
    assert again.status_code == 409 and f'href="/kb/articles/{article.id}' in text(again)
    assert db.session.scalar(select(func.count(Article.id))) == 1


def test_staff_cannot_reach_the_promote_form(client, kb):
    _, reply = thread(kb, "Not for staff to promote")
    sign_in(client, kb.staff)
    assert client.get(f"/kb/answers/{reply.id}/promote").status_code == 403
    assert client.post(f"/kb/answers/{reply.id}/promote", data={"mode": "new"}).status_code == 403


def test_the_helpful_widget_counts_a_replayed_vote_once(client, kb):
    article = publish_article(kb, "Vote on this anonymously")
    page = client.get(_url(article), follow_redirects=True)
    assert "Was this helpful?" in text(page)
    for _ in range(3):   # the same request again, with the same cookie
        assert client.post(f"/kb/articles/{article.id}/feedback", data={"helpful": "yes"}).status_code == 303
    db.session.refresh(article)
    assert article.helpful_count == 1 and db.session.scalar(select(func.count(ArticleFeedback.id))) == 1
    sign_in(client, kb.customer)
    client.post(f"/kb/articles/{article.id}/feedback", data={"helpful": "no", "comment": "Wrong form number."})
    db.session.refresh(article)
    assert (article.helpful_count, article.unhelpful_count, article.status) == (1, 1, "needs_review")
    sign_in(client, kb.moderator)   # the owner sees the ratio and the comment
    html = text(client.get(_url(article), follow_redirects=True))
    assert "1 of 2 readers found it helpful (50%)" in html and "Wrong form number." in html


def test_anonymous_votes_without_a_cookie_are_one_per_address(client, kb):
    article = publish_article(kb, "Cookieless replays count once")
    for _ in range(3):
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        client.post(f"/kb/articles/{article.id}/feedback", data={"helpful": "yes"})
    db.session.refresh(article)
    assert article.helpful_count == 1


def test_reuse_from_the_question_page_and_the_panel(client, kb):
    article = publish_article(kb, "Answer by linking me")
    question, _ = thread(kb, "A new caller asks the same", accept=False)
    sign_in(client, kb.staff)
    page = text(client.get(f"/questions/{question.id}", follow_redirects=True))
    assert "Or answer with an existing article" in page
    bad = client.post(f"/kb/questions/{question.id}/articles", data={"article": "the lost card one"})
    assert bad.status_code == 422 and 'value="the lost card one"' in text(bad)
    ok = client.post(f"/kb/questions/{question.id}/articles", data={"article": f"#{article.id} Answer by linking"})
    assert ok.status_code == 303 and db.session.scalar(select(func.count(ReuseLink.id))) == 1
    sign_out(client)
    page = text(client.get(f"/questions/{question.id}", follow_redirects=True))
    assert "Answered by the knowledge base" in page and "Answer by linking me" in page


def test_category_pages_breadcrumbs_and_the_tree_editor(client, kb):
    cards = category("Cards", kb.moderator)
    lost = category("Lost and stolen", kb.moderator, parent_id=cards.id)
    publish_article(kb, "Lost card on holiday", categories=[lost.id])
    html = text(client.get(f"/kb/categories/{lost.id}", follow_redirects=True))
    assert 'aria-current="page">Lost and stolen' in html and ">Cards</a>" in html and "Lost card on holiday" in html
    sign_in(client, kb.moderator)
    moved = client.post(f"/kb/categories/{cards.id}/edit", data={
        "name": "Cards", "parent": str(lost.id), "default_audience": "internal", "review_days": "180"})
    assert moved.status_code == 422 and "cannot move under itself" in text(moved)
    assert db.session.get(type(cards), cards.id).parent_id is None


def test_drafts_and_internal_articles_are_404_for_readers(client, kb):
    internal = publish_article(kb, "Internal procedure only", "internal")
    _, reply = thread(kb, "A draft nobody reads")
    from app.kb.services import promote_answers

    draft = promote_answers(db.session, reply, by=kb.moderator)
    db.session.commit()
    for article in (internal, draft):
        assert client.get(_url(article)).status_code == 404
    sign_in(client, kb.staff)
    assert client.get(_url(internal), follow_redirects=True).status_code == 200
    assert client.get(f"/kb/articles/{internal.id}/print").status_code == 200


def _count(client, url):
    with count_queries() as statements:   # the request runs in its own session (RequestScopedClient)
        response = client.get(url, follow_redirects=False)
    assert response.status_code == 200, url
    return len(statements)


# The article page: BEGIN, the article (owner and teams joined), its published and current
# versions, the tree (for the breadcrumb), its categories, tags, sources (with their questions,
# answers and answerers), credits, the visitor's vote, then the related items' safety net (one
# query per type found: articles, questions); and the first view of the session is counted by a
# job after the response (the day's row: UPDATE then INSERT, the article's count, its popularity;
# the job's BEGIN IMMEDIATE goes to the raw connection, app.db.sqlite, and is not counted).
ARTICLE_QUERIES_ANONYMOUS = 15
# A signed-in curator who owns it (and saw both already in this session: no view counted) adds
# the session user and their memberships, the health panel (open flags, reader comments), and the
# header's panels: the notification bell and the queue count.
ARTICLE_QUERIES_OWNER = 17
# The KB home: BEGIN, the tree with its counts, then popular and recently updated: each the ids
# in order (an index walk), then those articles with their versions.
HOME_QUERIES = 6


def test_article_page_and_home_query_counts_are_pinned(client, kb):
    few = publish_article(kb, "A short article with few parts")
    many = publish_article(kb, "A long article with many parts", body="Card card card.")
    for n in range(3):
        publish_article(kb, f"Related card article number {n}")
    url_few, url_many = (f"/kb/articles/{a.id}/{a.slug}" for a in (few, many))
    client.get(f"/kb/articles/{publish_article(kb, 'The first visit sets the cookie').id}", follow_redirects=True)
    anonymous = [_count(client, url) for url in (url_few, url_many)]
    assert anonymous == [ARTICLE_QUERIES_ANONYMOUS] * 2, anonymous
    sign_in(client, kb.moderator)
    owner = [_count(client, url) for url in (url_few, url_many)]
    assert owner == [ARTICLE_QUERIES_OWNER] * 2, owner
    sign_out(client)
    home_few = _count(client, "/kb/")
    for n in range(10):
        publish_article(kb, f"More articles on the home page {n}")
    assert [home_few, _count(client, "/kb/")] == [HOME_QUERIES] * 2


def test_a_signed_in_readers_repeat_look_at_an_article_runs_no_statement(client, kb):
    """From the page cache, a signed-in reader's article costs no statement: the cache checked the
    login already, and only anonymous readers are given a cookie id (it loaded the user to ask,
    3 statements per hit, a quarter of the bare page's speed in the load bench)."""
    article = publish_article(kb, "Read again and again by a signed-in reader")
    url = f"/kb/articles/{article.id}/{article.slug}"
    sign_in(client, kb.moderator)
    client.get(url)
    client.get(url)  # the first look at this content version checks the login (the viewer card)
    assert [_count(client, url) for _ in range(2)] == [0, 0]


def test_a_cached_article_shows_each_anonymous_reader_their_own_vote(app, kb):
    """The article page is cached per anonymous reader (their cookie id is part of the key,
    app.cache.pages): one reader's "you said this helped" is never shown to another."""
    article = publish_article(kb, "Cached per reader")
    voter, other = app.test_client(), app.test_client()
    for reader in (voter, other):
        for _ in range(3):
            assert "You said this helped." not in text(reader.get(_url(article), follow_redirects=True))
    assert voter.post(f"/kb/articles/{article.id}/feedback", data={"helpful": "yes"}).status_code == 303
    for _ in range(3):
        assert "You said this helped." in text(voter.get(_url(article), follow_redirects=True))
        assert "You said this helped." not in text(other.get(_url(article), follow_redirects=True))
