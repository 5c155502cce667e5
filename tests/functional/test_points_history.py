"""The points history page (/users/<id>/points) and its API twin: why, about what, under which
rules, how much and when; entries on questions the viewer may not see are private activity."""
from __future__ import annotations

import re

import pytest
from test_api_helpers import api, cast  # noqa: F401  (fixtures)

from app.forum import services
from app.points import manual, ruleset


@pytest.fixture
def ledger(api, db, cast):
    """cast.member earns +10 on a public answer (defaults), +25 on a team answer (version 1)
    and a manual +50 with a reason."""
    public_answer = services.post_answer(db.session, cast.public, body="Use the PIN reset screen.", by=cast.member)
    team_answer = services.post_answer(db.session, cast.team_q, body="Escalate to the cards desk.", by=cast.member)
    db.session.commit()
    assert api.post(f"/answers/{public_answer.id}/vote", cast.staff, json={"value": 1}).status_code == 200
    ruleset.save_version(db.session, amounts={**ruleset.defaults().amounts, "answer_upvoted": 25},
                         capped={"answer_upvoted"}, daily_cap=200, note="More for answers", by=cast.admin)
    db.session.commit()
    assert api.post(f"/answers/{team_answer.id}/vote", cast.asker, json={"value": 1}).status_code == 200
    manual.award_manually(db.session, user=cast.member, amount=50, reason="Ran the PIN training",
                          by=cast.admin, key=manual.new_key())
    db.session.commit()
    return public_answer, team_answer


HISTORY_PASSWORD = "history-password-7"


@pytest.fixture
def login_as(db, login):
    """Log a cast member in through the real form (the cast has no password: give them one).
    The password is this module's own: ``from conftest import`` is ambiguous under pytest (every
    suite folder has a conftest module), so it found tests/system/conftest.py in a full run."""
    from app.accounts.services import _hash_password

    def do(user):
        user.password_hash = _hash_password(HISTORY_PASSWORD)
        db.session.commit()
        login(user, HISTORY_PASSWORD)
    return do


def _page(client, user_id, query="", **headers) -> str:
    response = client.get(f"/users/{user_id}/points{query}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_anonymous_visitor_sees_public_activity_and_private_entries_masked(client, cast, ledger):
    html = _page(client, cast.member.id)
    assert "How do I reset a card PIN?" in html                 # the public question, linked
    assert f"#answer-{ledger[0].id}" in html
    assert "Cards team escalation contacts" not in html         # the team question's title never leaks
    assert "Private activity" in html
    assert "Ran the PIN training" in html and "Manual adjustment by an administrator" in html
    assert "version 1" in html and "default" in html
    assert re.search(r'class="points-total">60<', html)         # public activity only: 10 + 50
    assert "+25" in html and "+50" in html and "+10" in html


def test_member_sees_the_team_question_and_the_whole_total(client, db, cast, ledger, login_as):
    login_as(cast.member)
    html = _page(client, cast.member.id)
    assert "Cards team escalation contacts" in html and "Private activity" not in html
    assert re.search(r'class="points-total">85<', html)


def test_page_in_chinese_and_paged_newest_first(client, cast, ledger):
    html = _page(client, cast.member.id, **{"Accept-Language": "zh-CN"})
    assert 'lang="zh-CN"' in html and "积分" in html
    first = _page(client, cast.member.id, "?per_page=1")
    assert "Ran the PIN training" in first and "How do I reset a card PIN?" not in first
    last = _page(client, cast.member.id, "?per_page=1&page=3")
    assert "How do I reset a card PIN?" in last and "Ran the PIN training" not in last
    assert client.get("/users/999999/points").status_code == 404


def test_profile_links_to_the_history(client, cast, ledger):
    html = client.get(f"/users/{cast.member.id}").get_data(as_text=True)
    assert f'href="/users/{cast.member.id}/points"' in html


def test_api_gives_the_same_view(api, cast, ledger):
    items = api.get(f"/users/{cast.member.id}/points").get_json()["items"]
    assert [(i["reason"], i["amount"], i["rule_version"], i["is_hidden"]) for i in items] == [
        ("manual", 50, 0, False), ("answer_upvoted", 25, 1, True), ("answer_upvoted", 10, 0, False)]
    assert items[0]["note"] == "Ran the PIN training" and items[1]["note"] is None
    assert items[1]["question_id"] is None and items[1]["answer_id"] is None  # masked
    member_view = api.get(f"/users/{cast.member.id}/points", cast.member).get_json()["items"]
    assert member_view[1]["question_id"] == cast.team_q.id and not member_view[1]["is_hidden"]
