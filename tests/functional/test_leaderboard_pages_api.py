"""Leaderboards through the API (GET /api/v1/leaderboard), the page, its CSV export, and the
rank on a profile."""
from __future__ import annotations

import csv
import io
import itertools

from flask_babel import force_locale, gettext
from forum_pages_support import ask, sign_in, text
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)

from app.extensions import db
from app.points.models import PointsEntry
from factories import grant_points

_n = itertools.count(1)


def earn(user, amount, question=None):
    """An entry of now (so it is in this week, month and quarter) on ``question``."""
    from sqlalchemy import update

    from app.accounts.models import User

    n = next(_n)
    db.session.add(PointsEntry(user_id=user.id, amount=amount, reason="answer_upvoted",
                               question_id=question.id if question else None,
                               idempotency_key=f"lbp:{n}/g1", key_stem=f"lbp:{n}"))
    db.session.execute(update(User).where(User.id == user.id).values(points=User.points + amount))
    db.session.commit()


def test_api_lists_ranked_rows_for_the_callers_visibility(api, cast):
    earn(cast.expert, 30, cast.public)
    earn(cast.member, 30, cast.team_q)
    earn(cast.staff, 10, cast.internal)
    anonymous = api.get("/leaderboard").get_json()
    assert anonymous == {"items": [{"user": {"id": cast.expert.id, "username": "expert",
                                             "display_name": cast.expert.display_name},
                                    "points": 30, "rank": 1}], "total": 1, "page": 1, "per_page": 20}
    member_view = api.get("/leaderboard", cast.member, query_string={"period": "week"}).get_json()
    assert [(i["user"]["username"], i["points"], i["rank"]) for i in member_view["items"]] == [
        ("member", 30, 1), ("expert", 30, 1), ("staff", 10, 3)]   # a tie: by user id
    team = api.get("/leaderboard", cast.moderator, query_string={"team": "cards", "tag": "cards"}).get_json()
    assert [i["user"]["username"] for i in team["items"]] == ["member"]
    paged = api.get("/leaderboard", cast.moderator, query_string={"per_page": 1, "page": 2}).get_json()
    assert (paged["total"], paged["page"], paged["items"][0]["rank"]) == (3, 2, 1)


def test_api_bad_selectors_are_422(api, cast):
    assert_problem(api.get("/leaderboard", query_string={"period": "year"}), 422, "period")
    assert_problem(api.get("/leaderboard", query_string={"tag": "no-such-tag"}), 422, "tag")
    assert_problem(api.get("/leaderboard", query_string={"team": "nobody"}), 422, "team")
    assert_problem(api.get("/leaderboard", query_string={"page": "x"}), 400, "page")


def test_openapi_describes_the_leaderboard(api, cast):
    doc = api.get("/openapi.json").get_json()
    op = doc["paths"]["/leaderboard"]["get"]
    assert {p.get("name") for p in op["parameters"]} >= {"period", "tag", "team"}
    assert "422" in op["responses"]
    assert set(doc["components"]["schemas"]["LeaderboardRow"]["properties"]) == {"user", "points", "rank"}


def test_page_with_selectors_and_labels(client, make_user):
    expert = make_user("expert", name="topexpert", teams=("cards",))
    question = ask(make_user("staff"))
    earn(expert, 25, question)
    page = text(client.get("/leaderboard?period=month"))
    for control in ('<label for="board-period">', '<label for="board-tag">', '<label for="board-team">'):
        assert control in page
    assert '<option value="month" selected>' in page
    assert f'href="/users/{expert.id}">{expert.display_name}</a>' in page and ">25<" in page
    assert "Export as CSV" not in page   # visitors are not managers
    bad = client.get("/leaderboard?period=decade&tag=%3Cscript%3E")
    assert bad.status_code == 422
    assert "Use one of: week, month, quarter, all." in text(bad) and "<script>" not in text(bad)
    assert 'aria-invalid="true"' in text(bad)


def test_page_in_chinese(client, make_user, app):
    earn(make_user("expert"), 5)
    response = client.get("/leaderboard", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    with app.test_request_context(), force_locale("zh_CN"):
        expected = [gettext("Leaderboard"), gettext("This month"), gettext("Period")]
    page = text(response)
    assert 'lang="zh' in page and all(word in page for word in expected)


def test_csv_export_for_managers_only(client, make_user):
    team_admin = make_user("staff", name="cardsboss", teams=("cards",))
    team_admin.memberships[0].is_team_admin = True
    db.session.commit()
    agent = make_user("expert", name="agent007", teams=("cards",))
    agent.display_name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    earn(agent, 42)
    assert client.get("/leaderboard.csv").status_code == 403
    sign_in(client, make_user("staff", teams=("cards",)))
    assert client.get("/leaderboard.csv?team=cards").status_code == 403
    sign_in(client, team_admin)
    assert client.get("/leaderboard.csv").status_code == 403        # the whole site is not their team
    assert "Export as CSV" in text(client.get("/leaderboard?team=cards"))
    response = client.get("/leaderboard.csv?team=cards&period=quarter")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="leaderboard-quarter-cards.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["rank", "user_id", "username", "display_name", "points"]
    assert rows[1] == ["1", str(agent.id), "agent007", "'=HYPERLINK(\"http://evil\")", "42"]
    sign_in(client, make_user("moderator"))
    assert client.get("/leaderboard.csv?period=week").status_code == 200
    assert client.get("/leaderboard.csv?period=bad").status_code == 422


def test_profile_shows_the_rank(client, make_user):
    first, second = make_user("expert"), make_user("expert")
    earn(first, 50), earn(second, 20)
    page = text(client.get(f"/users/{second.id}"))
    assert "#2 all time" in page and "#2 this month" in page
    newcomer = make_user("customer")
    assert "Not ranked yet" in text(client.get(f"/users/{newcomer.id}"))
    grant_points(newcomer, 60)   # an entry without a question: public, and now the top
    assert "#1 all time" in text(client.get(f"/users/{newcomer.id}"))
