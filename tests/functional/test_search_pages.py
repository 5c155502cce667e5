"""The search pages: results with safe highlights, filters, paging, the no-results offer,
bad queries, click tracking, the gap list and the synonym admin page."""
import re

import pytest

from app.forum import services
from app.search.models import SearchLog, Synonym



@pytest.fixture
def content(db, make_user):
    staff = make_user("staff", teams=("cards",))
    made = [services.ask_question(db.session, title=f"Replacement card number {i} <b>fast</b>",
                                  body="Customer wants the replacement card <script>alert(1)</script> today.",
                                  tags=["cards"], by=staff) for i in range(25)]
    made.append(services.ask_question(db.session, title="信用卡年费怎么退", body="客户说年费被收了两次。",
                                      tags=["fees"], by=staff, visibility="internal"))
    db.session.commit()
    return staff, made


def page(client, **args):
    response = client.get("/search", query_string=args)
    return response, response.get_data(as_text=True)


def test_results_are_highlighted_and_escaped(client, content):
    response, html = page(client, q="replacement")
    assert response.status_code == 200
    assert "<mark>Replacement</mark> card number" in html and "&lt;b&gt;fast&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html
    assert "25 results" in html and 'rel="next"' in html                  # 20 per page, a second page
    _, second = page(client, q="replacement", page=2)
    assert second.count('class="search-hit"') == 5


def test_visibility_and_chinese(client, login, content):
    _, html = page(client, q="年费")
    assert "Nothing found" in html                                          # internal: not for visitors
    login(content[0])
    _, html = page(client, q="年费")
    assert "<mark>年费</mark>" in html and "1 result" in html


def test_no_results_offers_to_ask(client, content):
    response, html = page(client, q="mortgage holiday")
    assert response.status_code == 200 and "Ask this as a question" in html
    assert "/questions/ask?title=mortgage+holiday" in html


def test_filters(client, content):
    _, html = page(client, q="card", tag="fees")
    assert "Nothing found" in html
    _, html = page(client, q="card", status="accepted")
    assert "Nothing found" in html
    _, html = page(client, tag="cards")                                     # filters alone list
    assert "25 questions" in html


@pytest.mark.parametrize("q", ["NEAR(", "title:x", '"unbalanced card', "-card", "card*", "card AND OR"])
def test_odd_queries_are_fine(client, content, q):
    assert page(client, q=q)[0].status_code == 200


@pytest.mark.parametrize("args,field", [({"q": "x" * 10_000}, "too long"), ({"q": '"*-:'}, "no words"),
                                        ({"q": "card", "status": "bogus"}, "Use one of"),
                                        ({"q": "card", "from": "yesterday"}, "2024-12-31")])
def test_bad_input_is_a_400_page_with_a_message(client, content, args, field):
    response, html = page(client, **args)
    assert response.status_code == 400 and field in html and 'role="alert"' in html


def test_clicks_are_recorded_and_redirect_to_the_result(client, db, content):
    _, html = page(client, q="replacement")
    log = db.session.query(SearchLog).one()
    qid = content[1][0].id
    assert f"/search/click/{log.token}?key=question-{qid}" in html          # the links carry the token
    response = client.get(f"/search/click/{log.token}?key=question-{qid}&rank=3")
    assert response.status_code == 303 and f"/questions/{qid}" in response.headers["Location"]
    db.session.refresh(log)
    assert (log.clicked_key, log.clicked_rank, log.result_count) == (f"question-{qid}", 3, 25)
    assert client.get(f"/search/click/{log.token}?key=http://evil.example").status_code == 404


def test_a_click_counts_only_for_the_search_whose_token_it_carries(client, db, content):
    page(client, q="replacement")
    page(client, q="replacement card")
    first, second = db.session.query(SearchLog).order_by(SearchLog.id).all()
    qid = content[1][0].id
    forged = [str(first.id), str(second.id), "A" * 22, first.token[:-1] + ("A" if first.token[-1] != "A" else "B")]
    for token in forged:                       # row ids, made-up and almost-right tokens
        response = client.get(f"/search/click/{token}?key=question-{qid}&rank=1")
        assert response.status_code == 303 and f"/questions/{qid}" in response.headers["Location"]
    db.session.expire_all()
    assert [log.clicked_key for log in (first, second)] == [None, None]
    client.get(f"/search/click/{second.token}?key=question-{qid}&rank=2")
    db.session.expire_all()
    assert (first.clicked_key, second.clicked_key) == (None, f"question-{qid}")


def test_searching_writes_nothing_in_the_request(client, db, content, monkeypatch):
    """A GET only reads: the log row and the click are jobs, run after the response."""
    from sqlalchemy import event

    jobs, writes = [], []
    monkeypatch.setattr("app.search.web.enqueue", lambda fn, *args, **kwargs: jobs.append((fn, args)))

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        _, html = page(client, q="replacement")
        qid = content[1][0].id
        token = re.search(r"/search/click/([\w-]+)", html).group(1)
        client.get(f"/search/click/{token}?key=question-{qid}&rank=1")
        client.get("/api/v1/search?q=replacement")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert writes == [] and db.session.query(SearchLog).count() == 0
    # One job writes every row buffered meanwhile; the click found its row still waiting.
    assert [fn.__name__ for fn, _ in jobs] == ["flush_search_logs_job"]
    for fn, args in jobs:                      # what the pool would do after the responses
        fn(db.session, *args)
    db.session.commit()
    assert db.session.query(SearchLog).count() == 2
    assert db.session.query(SearchLog).filter(SearchLog.clicked_key == f"question-{qid}").count() == 1


def test_a_click_after_its_search_was_written_is_recorded_by_a_job(client, db, content):
    _, html = page(client, q="replacement")     # inline jobs: the row is written at once
    token = re.search(r"/search/click/([\w-]+)", html).group(1)
    qid = content[1][0].id
    client.get(f"/search/click/{token}?key=question-{qid}&rank=2")
    row = db.session.query(SearchLog).filter(SearchLog.token == token).one()
    assert (row.clicked_key, row.clicked_rank) == (f"question-{qid}", 2)


def test_gaps_page_is_for_moderators(client, login, make_user, content):
    page(client, q="mortgage holiday")
    assert client.get("/search/gaps").status_code in (302, 303)
    login(content[0])
    assert client.get("/search/gaps").status_code == 403
    client.post("/logout")
    login(make_user("moderator"))
    html = client.get("/search/gaps").get_data(as_text=True)
    assert "mortgage holiday" in html


def test_synonyms_page(client, db, login, make_user, content):
    login(make_user("moderator"))
    assert client.get("/search/synonyms").status_code == 200
    response = client.post("/search/synonyms", data={"terms": "年费\nannual fee"})
    assert response.status_code == 303
    group = db.session.query(Synonym).one()
    bad = client.post("/search/synonyms", data={"terms": "lonely"})
    assert bad.status_code == 422 and "at least two" in bad.get_data(as_text=True)
    _, html = page(client, q="annual fee")
    assert "信用卡<mark>年费</mark>怎么退" in html
    assert client.post(f"/search/synonyms/{group.id}", data={"terms": "年费\nyearly fee"}).status_code == 303
    assert client.post(f"/search/synonyms/{group.id}/delete").status_code == 303
    assert db.session.query(Synonym).count() == 0


def test_synonyms_page_is_for_moderators(client, login, content):
    login(content[0])
    assert client.get("/search/synonyms").status_code == 403
    assert client.post("/search/synonyms", data={"terms": "a\nb"}).status_code == 403
