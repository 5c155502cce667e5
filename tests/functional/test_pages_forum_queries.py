"""The question page makes a fixed number of SQL queries, whatever the number of answers
and comments (no N+1 in the view model or the templates)."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from forum_pages_support import ask, count_queries, sign_in

from app.extensions import db
from app.forum import services


# Anonymous: BEGIN, question (+ its tags, + its author's memberships), answers (+ their
# authors' memberships), comments (+ theirs), the knowledge base's articles of the thread (one
# query for its panels: "this answer became the article X", "answered by article Y"), then the
# view count, which the page buffers and a job writes after the request (inline in tests): its
# UPDATE (the job's BEGIN IMMEDIATE goes to the raw connection, app.db.sqlite, and is not counted),
# and the answer authors' badge tallies (app.points, one query for every answer),
# and the question's open bounty (app.points: one query for its box and the offerer's award buttons).
ANONYMOUS_QUERIES = 12
# A logged-in viewer adds the session user, their memberships and their votes on the page,
# plus three from other domains' slots: the header's bell (unread count and newest id, one query,
# app.notifications), the follow button (app.notifications) and the routing panel (app.experts:
# the viewer's own routed row, or every candidate for a moderator, in one query each). Visitors
# pay for none (all check the login first). A moderator's panel of a routed question also reads
# its escalation steps and pending step (two more, routed or not); curators (moderators) also
# get the knowledge base's work-queue count in the header.
VIEWER_QUERIES = 18
MODERATOR_QUERIES = VIEWER_QUERIES + 3


def _thread(make_user, answers: int):
    question = ask(make_user("staff"), title=f"A question with {answers} answers")
    for n in range(answers):
        reply = services.post_answer(db.session, question, body=f"Answer number {n} with enough text.",
                                     by=make_user("expert"))
        for _ in range(2):
            services.post_comment(db.session, reply, body=f"A comment on answer {n}.",
                                  by=make_user("staff", points=50))  # commenting on others' posts
    services.post_comment(db.session, question, body="A comment on the question.", by=make_user("staff", points=50))
    db.session.commit()
    return question


def _count(client, url: str) -> int:
    db.session.remove()  # a fresh session, as a new request on a real server has
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("role, expected", [(None, ANONYMOUS_QUERIES), ("staff", VIEWER_QUERIES),
                                            ("moderator", MODERATOR_QUERIES)])
def test_question_page_query_count_is_fixed(client, make_user, role, expected):
    small, large = _thread(make_user, 2), _thread(make_user, 20)
    if role:
        viewer = make_user(role)
        sign_in(client, viewer)
        services.set_vote(db.session, small, 1, by=viewer)
        db.session.commit()
    urls = [f"/questions/{q.id}/{quote(q.slug)}" for q in (small, large)]
    counts = [_count(client, url) for url in urls]
    assert counts == [expected, expected]


def test_question_list_query_count_does_not_grow_with_the_page(client, make_user):
    """The list page: BEGIN, count, page, their tags, authors' memberships, and the sidebar's
    popular tags (a count and a page of them), and the listed questions' open bounties (app.points)."""
    for n in range(3):
        ask(make_user("staff"), title=f"Listed question number {n}", tags=("cards", f"tag{n}"))
    db.session.remove()
    with count_queries() as few:
        assert client.get("/questions").status_code == 200
    for n in range(3, 20):
        ask(make_user("staff"), title=f"Listed question number {n}", tags=("cards", f"tag{n}"))
    db.session.remove()
    with count_queries() as many:
        assert client.get("/questions").status_code == 200
    assert len(few) == len(many) == 8
