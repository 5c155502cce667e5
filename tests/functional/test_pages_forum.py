"""The forum's HTML pages: every page renders, the ask flow, Chinese titles and tags,
canonical URLs, 404s for unknown and hidden questions, CSRF."""
from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from forum_pages_support import answer, ask, field_error, sign_in, text

from app.extensions import db
from app.forum import services
from app.forum.models import Question



@pytest.fixture
def thread(make_user):
    """A public question with an accepted answer, comments and an edit, by two staff users."""
    # The expert comments on the question: 50 points (privileges by points).
    asker, expert = make_user("staff", name="asker"), make_user("expert", name="expert", points=50)
    question = ask(asker, tags=("cards", "信用卡"))
    reply = answer(question, expert)
    services.post_comment(db.session, question, body="Which card type?", by=expert)
    services.post_comment(db.session, reply, body="Thanks, that worked.", by=asker)
    services.accept_answer(db.session, reply, by=asker)
    services.edit_answer(db.session, reply, body=reply.body_md + " Then send a new PIN letter.", by=expert,
                         comment="Added the letter")
    db.session.commit()
    return question, reply, asker, expert


def _pages(question, reply, user_id):
    return [
        "/", "/questions", "/questions?sort=active", "/questions?sort=unanswered", "/questions?sort=score",
        "/questions?page=2", "/questions?sort=bogus&page=x", f"/questions/{question.id}/{quote(question.slug)}",
        "/tags", "/tags?sort=name&q=card", f"/tags/{quote('信用卡')}", f"/users/{user_id}",
        f"/questions/{question.id}/revisions", f"/answers/{reply.id}/revisions",
    ]


@pytest.mark.parametrize("role", [None, "customer", "staff", "moderator"])
def test_every_page_renders(client, thread, make_user, role):
    question, reply, asker, _ = thread
    if role:
        sign_in(client, make_user(role))
    for url in _pages(question, reply, asker.id):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<html lang=" in text(response)


def test_author_sees_edit_pages_and_controls(client, thread):
    question, reply, asker, expert = thread
    sign_in(client, asker)
    assert client.get("/questions/ask").status_code == 200
    assert client.get(f"/questions/{question.id}/edit").status_code == 200
    page = text(client.get(f"/questions/{question.id}/{quote(question.slug)}"))
    assert f"/questions/{question.id}/edit" in page and "Withdraw acceptance" in page
    assert f"/answers/{reply.id}/edit" not in page  # the answer is the expert's
    sign_in(client, expert)
    assert client.get(f"/answers/{reply.id}/edit").status_code == 200
    assert client.get(f"/questions/{question.id}/edit").status_code == 403


def test_question_page_shows_the_thread(client, thread):
    question, reply, *_ = thread
    page = text(client.get(f"/questions/{question.id}/{quote(question.slug)}"))
    assert question.title in page and "Which card type?" in page and "Thanks, that worked." in page
    assert "Accepted answer" in page and f'id="answer-{reply.id}"' in page
    assert 'href="/tags/%E4%BF%A1%E7%94%A8%E5%8D%A1"' in page  # Chinese tag, percent-encoded
    assert "Please <a" in page  # anonymous: log in to answer


def test_answers_are_ordered_accepted_first_then_score(client, thread, make_user):
    question, reply, asker, _ = thread
    better = answer(question, make_user("expert"), body="A second answer that many people liked.")
    for _ in range(2):
        services.set_vote(db.session, better, 1, by=make_user("staff"))
    db.session.commit()
    page = text(client.get(f"/questions/{question.id}/{quote(question.slug)}"))
    assert page.index(f'id="answer-{reply.id}"') < page.index(f'id="answer-{better.id}"')


def test_question_url_redirects_to_the_canonical_slug(client, make_user):
    question = ask(make_user("staff"))
    for url in (f"/questions/{question.id}", f"/questions/{question.id}/old-title"):
        response = client.get(url)
        assert response.status_code == 301
        assert response.headers["Location"] == f"/questions/{question.id}/{question.slug}"


def test_a_slug_that_names_a_sub_page_is_left_out_of_the_url(client, make_user):
    question = ask(make_user("staff"), title="Edit!!!!!!")
    assert question.slug == "edit"
    response = client.get(f"/questions/{question.id}/edit-me")
    assert response.headers["Location"] == f"/questions/{question.id}"
    assert client.get(f"/questions/{question.id}").status_code == 200


def test_unknown_ids_are_404(client, thread):
    for url in ("/questions/999", "/questions/999/x", "/answers/999", "/answers/999/revisions",
                "/questions/999/revisions", "/users/999", "/tags/no-such-tag"):
        assert client.get(url).status_code == 404, url


def test_hidden_questions_are_404(client, make_user):
    staff = make_user("staff", teams=("cards",))
    internal = ask(staff, visibility="internal")
    team = ask(staff, title="Team only: card limits for VIPs", visibility="team", team="cards")
    hidden_answer = answer(internal, staff)
    for url in (f"/questions/{internal.id}", f"/questions/{internal.id}/{internal.slug}",
                f"/questions/{internal.id}/revisions", f"/answers/{hidden_answer.id}"):
        assert client.get(url).status_code == 404, url
    sign_in(client, make_user("customer"))
    assert client.get(f"/questions/{internal.id}/{internal.slug}").status_code == 404
    sign_in(client, make_user("staff", teams=("loans",)))
    assert client.get(f"/questions/{internal.id}/{internal.slug}").status_code == 200
    assert client.get(f"/questions/{team.id}/{team.slug}").status_code == 404
    listing = text(client.get("/questions"))
    assert internal.title in listing and team.title not in listing


def test_viewing_counts_once_per_session(client, make_user):
    question = ask(make_user("staff"))
    for _ in range(3):
        client.get(f"/questions/{question.id}/{question.slug}")
    db.session.expire_all()
    assert db.session.get(Question, question.id).view_count == 1


# --- ask -----------------------------------------------------------------------------

def test_ask_needs_login(client):
    response = client.get("/questions/ask")
    assert response.status_code == 303
    assert unquote(response.headers["Location"]).endswith("login?next=/questions/ask")


def test_ask_valid_redirects_to_the_new_question(client, make_user):
    sign_in(client, make_user("staff"))
    response = client.post("/questions/ask", data={
        "title": "How long does a card replacement take?", "body": "A customer is travelling next week.",
        "tags": "cards, replacement", "visibility": "public", "team": ""})
    assert response.status_code == 303
    question = db.session.query(Question).one()
    assert response.headers["Location"] == f"/questions/{question.id}/{question.slug}"
    assert question.tag_names == ["cards", "replacement"] and question.visibility == "public"
    assert "Your question was posted" in text(client.get(response.headers["Location"]))


def test_ask_invalid_keeps_what_was_typed_and_marks_the_fields(client, make_user):
    sign_in(client, make_user("staff"))
    response = client.post("/questions/ask", data={
        "title": "Short", "body": "Typed body <b>kept</b> as written", "tags": "", "visibility": "public"})
    html = text(response)
    assert response.status_code == 422
    assert 'value="Short"' in html and "Typed body &lt;b&gt;kept&lt;/b&gt; as written</textarea>" in html
    assert "at least 8 characters" in field_error(html, "title")
    assert field_error(html, "tags") == "Add at least one tag."
    assert 'aria-invalid="true"' in html and 'class="error-summary"' in html
    assert db.session.query(Question).count() == 0


def test_ask_with_too_many_tags_is_refused_with_a_message(client, make_user):
    sign_in(client, make_user("staff"))
    response = client.post("/questions/ask", data={
        "title": "Which tags should this question have?", "body": "Long enough body text.",
        "tags": "a1 b2 c3 d4 e5 f6", "visibility": "public"})
    assert response.status_code == 422
    assert field_error(text(response), "tags") == "Use at most 5 tags."
    assert 'value="a1 b2 c3 d4 e5 f6"' in text(response)


def test_ask_with_an_oversized_body_is_refused_with_a_message(client, app, make_user):
    sign_in(client, make_user("staff"))
    body = "长" * (app.config["MAX_BODY_LENGTH"] + 1)
    response = client.post("/questions/ask", data={
        "title": "A question with a very long body", "body": body, "tags": "cards", "visibility": "public"})
    assert response.status_code == 422
    assert field_error(text(response), "body") == "The text may have at most 30000 characters."
    assert body in text(response)


def test_ask_offers_only_the_allowed_visibilities_and_teams(client, make_user):
    make_user("staff", teams=("loans",))  # a team the users below are not in
    sign_in(client, make_user("customer"))
    html = text(client.get("/questions/ask"))
    assert 'name="visibility" value="public"' in html and '<select id="visibility"' not in html
    sign_in(client, make_user("staff", teams=("cards",)))
    html = text(client.get("/questions/ask"))
    assert '<option selected value="internal">' in html and ">cards</option>" in html
    assert ">loans</option>" not in html
    sign_in(client, make_user("moderator"))
    html = text(client.get("/questions/ask"))
    assert ">cards</option>" in html and ">loans</option>" in html


def test_customer_cannot_ask_in_a_team(client, make_user):
    make_user("staff", teams=("cards",))
    sign_in(client, make_user("customer"))
    response = client.post("/questions/ask", data={
        "title": "Can I see the team question list?", "body": "Trying a hidden visibility.",
        "tags": "cards", "visibility": "team", "team": "1"})
    assert response.status_code == 422
    assert "cannot post with this visibility" in text(response)


def test_chinese_title_and_tag_round_trip(client, make_user):
    sign_in(client, make_user("staff"))
    response = client.post("/questions/ask", data={
        "title": "信用卡挂失之后多久能收到新卡？", "body": "客户很着急，想知道补卡需要几天。",
        "tags": "挂失，信用卡", "visibility": "public"})
    assert response.status_code == 303
    location = response.headers["Location"]
    question = db.session.query(Question).one()
    assert question.slug == "信用卡挂失之后多久能收到新卡" and question.tag_names == ["挂失", "信用卡"]
    assert unquote(location) == f"/questions/{question.id}/信用卡挂失之后多久能收到新卡"
    page = client.get(location)
    assert page.status_code == 200 and "信用卡挂失之后多久能收到新卡？" in text(page)
    tag_page = client.get("/tags/" + quote("挂失"))
    assert tag_page.status_code == 200 and question.title in text(tag_page)
    assert client.get("/tags/挂失").status_code == 200  # unencoded works as well


def test_tag_urls_are_canonical(client, make_user):
    ask(make_user("staff"), tags=("credit-card",))
    response = client.get("/tags/Credit-Card")
    assert response.status_code == 301 and response.headers["Location"] == "/tags/credit-card"


def test_edit_question_keeps_typing_on_error_and_saves_a_revision(client, thread):
    question, _, asker, _ = thread
    sign_in(client, asker)
    bad = client.post(f"/questions/{question.id}/edit", data={
        "title": question.title, "body": "tiny", "tags": "cards", "visibility": "public", "comment": "why"})
    assert bad.status_code == 422 and "tiny</textarea>" in text(bad) and 'value="why"' in text(bad)
    good = client.post(f"/questions/{question.id}/edit", data={
        "title": "How do I reset a card PIN over the phone?", "body": question.body_md,
        "tags": "cards", "visibility": "public", "team": "", "comment": "Clearer title"})
    assert good.status_code == 303
    db.session.expire_all()
    assert db.session.get(Question, question.id).title == "How do I reset a card PIN over the phone?"
    revisions = text(client.get(f"/questions/{question.id}/revisions"))
    assert "Revision 2" in revisions and "Clearer title" in revisions
    assert "<del><span class=\"visually-hidden\">[removed] </span>by</del>" in revisions
    assert "<ins><span class=\"visually-hidden\">[added] </span>over the</ins>" in revisions


def test_answer_revisions_show_the_diff(client, thread):
    _, reply, *_ = thread
    html = text(client.get(f"/answers/{reply.id}/revisions"))
    assert "Revision 2" in html and "Added the letter" in html and "Original post" in html
    assert "Then send a new PIN letter." in html.split("<ins>")[1]


def test_csrf_is_required_on_forum_forms(client, app, thread, make_user):
    question, *_ = thread
    sign_in(client, make_user("staff"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/questions/{question.id}/answers", data={"body": "An answer without a token."})
        assert response.status_code == 400
        page = text(client.get(f"/questions/{question.id}/{quote(question.slug)}"))
        assert 'name="csrf_token" value="' in page and '<meta name="csrf-token" content="' in page
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_user_page_lists_only_visible_posts_with_role_and_teams(client, make_user):
    staff = make_user("staff", teams=("cards",))
    public = ask(staff, title="A public question about card fees")
    internal = ask(staff, title="An internal question about card fraud", visibility="internal")
    answer(public, staff, body="An answer to my own public question.")
    answer(internal, staff, body="An answer to my own internal question.")
    html = text(client.get(f"/users/{staff.id}"))
    assert public.title in html and internal.title not in html
    assert "1 question" in html and "1 answer" in html and "Staff" in html and ">cards<" in html
    sign_in(client, make_user("staff"))
    html = text(client.get(f"/users/{staff.id}"))
    assert internal.title in html and "2 questions" in html and "2 answers" in html


def test_scope_badges_on_the_question_page(client, make_user):
    staff = make_user("staff", teams=("cards",))
    internal = ask(staff, visibility="internal")
    team = ask(staff, title="Only the cards team sees this", visibility="team", team="cards")
    sign_in(client, staff)
    assert 'class="badge badge-scope">Internal<' in text(client.get(f"/questions/{internal.id}/{internal.slug}"))
    assert 'class="badge badge-scope">Team: cards<' in text(client.get(f"/questions/{team.id}/{team.slug}"))


def test_posting_to_a_hidden_question_is_404(client, make_user):
    internal = ask(make_user("staff"), visibility="internal")
    sign_in(client, make_user("customer"))
    for url, data in ((f"/questions/{internal.id}/answers", {"body": "An answer from outside."}),
                      (f"/questions/{internal.id}/comments", {"body": "A comment from outside."}),
                      (f"/questions/{internal.id}/vote", {"value": "1"}),
                      (f"/questions/{internal.id}/edit", {"title": "x"})):
        assert client.post(url, data=data).status_code == 404, url


def test_query_arguments_named_like_path_arguments_are_harmless(client, make_user):
    staff = make_user("staff")
    ask(staff, tags=("cards",))
    for url in ("/tags/cards?name=x&page=1", "/tags/Cards?name=x", f"/users/{staff.id}?user_id=9&qpage=1",
                "/questions?_anchor=x&_external=1&sort=score"):
        assert client.get(url).status_code in (200, 301), url
    assert client.get("/tags/Cards?name=x&sort=score").headers["Location"] == "/tags/cards?sort=score"
    redirect = client.get("/tags/Cards?_external=1&_scheme=javascript").headers["Location"]
    assert redirect == "/tags/cards"  # url_for's own arguments are never taken from the query
    page = text(client.get("/questions?_external=1&_scheme=javascript&_anchor=x"))
    assert "javascript:" not in page and 'href="/questions?sort=active"' in page


def test_ids_too_large_for_the_database_are_404(client):
    for url in ("/questions/99999999999999999999", "/users/2147483648", "/answers/0/revisions",
                "/questions/-1"):
        assert client.get(url).status_code == 404, url
    assert client.post("/questions/99999999999999999999/vote", data={"value": "1"}).status_code == 404
