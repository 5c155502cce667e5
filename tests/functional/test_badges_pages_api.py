"""Badge pages (/badges, /badges/<code>, profiles, answers) in English and Chinese, and the API
(/api/v1/badges, /api/v1/users/<id>/badges, "badges" of /api/v1/users/<id>) against OpenAPI."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from test_api_helpers import api, cast  # noqa: F401  (fixtures)
from test_api_openapi import check, response_schema

from app.forum import services
from app.points import badges

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def earned(app, db, cast):
    """cast.expert answers the public question and the asker accepts: first_answer and
    first_accepted (routing off, so no routed badge)."""
    app.config["EXPERTS_NOTIFY"] = 0
    reply = services.post_answer(db.session, cast.public, body="Use the PIN reset screen.", by=cast.expert)
    db.session.commit()
    services.accept_answer(db.session, reply, by=cast.asker)
    db.session.commit()
    return reply


def _name(badge, locale: str) -> str:
    with force_locale(locale):
        return str(badge.name)


@pytest.mark.parametrize("headers, locale", [(EN, "en"), (ZH, "zh_CN")])
def test_badge_index_groups_by_class_with_counts(client, earned, headers, locale):
    html = client.get("/badges", headers=headers).get_data(as_text=True)
    for badge in badges.BADGES.values():
        assert _name(badge, locale) in html
        assert f'href="/badges/{badge.code}"' in html
    with force_locale(locale):
        gold, bronze = str(badges.CLASS_LABELS["gold"]), str(badges.CLASS_LABELS["bronze"])
    assert html.index(f'id="badges-gold">{gold}') < html.index(f'id="badges-bronze">{bronze}')
    if locale == "zh_CN":
        assert 'lang="zh' in html
    # first_answer's row counts its one holder.
    row = html[html.index('href="/badges/first_answer"'):]
    assert '<td class="num">1</td>' in row[:row.index("</tr>")]


@pytest.mark.parametrize("headers, locale", [(EN, "en"), (ZH, "zh_CN")])
def test_badge_page_lists_holders_newest_first(client, db, cast, earned, headers, locale):
    reply = services.post_answer(db.session, cast.internal, body="A second answerer.", by=cast.staff)
    db.session.commit()
    html = client.get("/badges/first_answer", headers=headers).get_data(as_text=True)
    assert _name(badges.FIRST_ANSWER, locale) in html
    assert html.index(f'/users/{reply.author_id}"') < html.index(f'/users/{cast.expert.id}"')
    assert client.get("/badges/no_such_badge").status_code == 404
    assert client.get("/badges/first_answer?page=zzz").status_code == 200  # bad paging falls back


def test_profile_and_answer_show_badges(client, cast, earned):
    html = client.get(f"/users/{cast.expert.id}", headers=EN).get_data(as_text=True)
    assert 'id="user-badges"' in html and "First answer" in html and "Problem solved" in html
    assert "css/badges.css" in html
    assert 'id="user-badges"' not in client.get(f"/users/{cast.customer.id}").get_data(as_text=True)
    page = client.get(f"/questions/{cast.public.id}/{cast.public.slug}", headers=EN).get_data(as_text=True)
    assert "Author's badges:" in page or "Author&#39;s badges:" in page
    assert 'class="badge-count badge-bronze"' in page


def test_nav_links_to_badges(client):
    assert 'href="/badges"' in client.get("/questions").get_data(as_text=True)


def test_api_badges_and_user_badges_match_the_document(api, cast, earned):
    doc = api.get("/openapi.json").get_json()
    listing = api.get("/badges")
    assert listing.status_code == 200
    body = listing.get_json()
    check(doc, body, response_schema(doc, "get", "/badges", 200))
    by_code = {item["code"]: item for item in body["items"]}
    assert set(by_code) == set(badges.BADGES) and body["total"] == len(badges.BADGES)
    assert by_code["first_answer"]["holders"] == 1 and by_code["helpful_100"]["holders"] == 0
    assert [i["class"] for i in body["items"]][0] == "gold"
    mine = api.get(f"/users/{cast.expert.id}/badges").get_json()
    check(doc, mine, response_schema(doc, "get", "/users/{user_id}/badges", 200))
    assert {i["code"] for i in mine["items"]} == {"first_answer", "first_accepted"}
    assert all(i["awarded_at"].endswith("Z") and i["tag"] is None for i in mine["items"])
    profile = api.get(f"/users/{cast.expert.id}").get_json()
    check(doc, profile, response_schema(doc, "get", "/users/{user_id}", 200))
    assert profile["badges"] == mine["items"]
    assert api.get(f"/users/{cast.customer.id}").get_json()["badges"] == []
    assert api.get("/users/999999/badges").status_code == 404


def test_api_badge_names_follow_the_callers_language(api, earned):
    zh = api.get("/badges", headers=ZH).get_json()
    names = {i["code"]: i["name"] for i in zh["items"]}
    assert names["first_answer"] == _name(badges.FIRST_ANSWER, "zh_CN")


def test_badge_notification_names_the_badge_and_links_it(api, cast, earned):
    notes = api.get("/notifications", cast.expert).get_json()["items"]
    badge_notes = [n for n in notes if n["kind"] == "badge"]
    assert len(badge_notes) == 2
    first = next(n for n in badge_notes if n["url"] and n["url"].endswith("/badges/first_answer"))
    assert first["subject_type"] == "badge" and "First answer" in first["text"] and first["title"] == "First answer"


def test_a_tag_badge_hides_a_tag_only_team_questions_use(api, client, db, cast):
    """The tag of a tag badge earned on team questions: named to a moderator, never to a visitor."""
    from app.points.badge_awards import insert_if_absent
    from app.forum.models import Tag
    from sqlalchemy import select

    services.ask_question(db.session, title="Secret desk routing rules", body="Body text long enough.",
                          tags=["secret-desk"], visibility="team", team="cards", by=cast.asker)
    tag = db.session.scalar(select(Tag).where(Tag.name == "secret-desk"))
    insert_if_absent(db.session, cast.expert.id, "tag_accepted_10", tag.id)
    db.session.commit()
    anonymous = api.get(f"/users/{cast.expert.id}/badges").get_json()["items"]
    assert [(i["code"], i["tag"], i["tag_id"]) for i in anonymous] == [("tag_accepted_10", None, None)]
    seen = api.get(f"/users/{cast.expert.id}/badges", cast.moderator).get_json()["items"]
    assert [(i["tag"], i["tag_id"]) for i in seen] == [("secret-desk", tag.id)]
    assert "secret-desk" not in client.get("/badges/tag_accepted_10").get_data(as_text=True)
    assert "secret-desk" not in client.get(f"/users/{cast.expert.id}").get_data(as_text=True)
