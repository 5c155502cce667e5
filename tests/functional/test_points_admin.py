"""The points admin page (/admin/points/rules): who may open it, saving rule versions, manual
awards through the form, in English and Chinese."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.points import ruleset
from app.points.models import PointsEntry, PointsRuleVersion
from app.points.queries import verify

PAGE = "/admin/points/rules"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _rules_form(**changes) -> dict:
    data = {f"amount_{code}": str(amount) for code, amount in ruleset.defaults().amounts.items()}
    data.update({f"capped_{code}": "y" for code in ruleset.defaults().capped})
    data["daily_cap"] = "200"
    data.update(changes)
    return data


def _nonce(html: str) -> str:
    return re.search(r'name="key" type="hidden" value="([^"]+)"', html).group(1)


def test_anonymous_visitors_are_sent_to_login(client):
    for method, path in (("get", PAGE), ("post", PAGE), ("post", "/admin/points/awards")):
        response = getattr(client, method)(path)
        assert response.status_code == 303 and "/login" in response.headers["Location"], path


@pytest.mark.parametrize("role", ["customer", "staff", "expert", "moderator"])
def test_non_admins_get_403(client, make_user, login, db, role):
    login(make_user(role))
    target = make_user("staff")
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=_rules_form(note="mine now", amount_answer_upvoted="100")).status_code == 403
    response = client.post("/admin/points/awards", data={"username": target.username, "amount": "500",
                                                          "reason": "gift", "key": "k" * 20})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 0
    assert db.session.scalar(select(func.count(PointsRuleVersion.id))) == 0


@pytest.mark.parametrize("lang, expected", [("en", "Points rules"), ("zh-CN", "管理后台")])
def test_admin_sees_the_rules_in_both_languages(client, make_user, login, lang, expected):
    login(make_user("admin"))
    html = _text(client.get(PAGE, headers={"Accept-Language": lang}))
    assert expected in html and "answer_upvoted" in html
    assert 'value="10"' in html and 'value="200"' in html        # the defaults are in force
    assert "version 0" in html or "版本" in html or "(version 0)" in html
    assert 'href="/admin/points/rules"' in _text(client.get("/admin/users"))  # the admin nav links here


def test_saving_makes_versions_and_keeps_history(client, make_user, login, db):
    login(make_user("admin", name="root"))
    response = client.post(PAGE, data=_rules_form(note="Answers matter more", amount_answer_upvoted="20"))
    assert response.status_code == 303
    response = client.post(PAGE, data=_rules_form(note="Lower cap", amount_answer_upvoted="20", daily_cap="150"))
    assert response.status_code == 303
    html = _text(client.get(PAGE))
    assert "Version 2 of the points rules is in force." in html
    assert 'value="20"' in html and 'value="150"' in html
    assert "Answers matter more" in html and "Lower cap" in html and "root" in html
    assert "Answer upvoted: 10 → 20" in html and "Daily cap on upvote points: 200 → 150" in html
    assert [v for v, in db.session.execute(select(PointsRuleVersion.version).order_by(PointsRuleVersion.id))] == [1, 2]


def test_bad_input_keeps_what_was_typed(client, make_user, login, db):
    login(make_user("admin"))
    response = client.post(PAGE, data=_rules_form(note="", amount_answer_upvoted="lots", daily_cap="-5"))
    html = _text(response)
    assert response.status_code == 422
    assert 'value="lots"' in html and 'value="-5"' in html
    assert "Enter a whole number." in html and "Say why the rules change" in html and 'aria-invalid="true"' in html
    response = client.post(PAGE, data=_rules_form(note="same"))
    assert response.status_code == 422 and "Nothing changed" in _text(response)
    assert db.session.scalar(select(func.count(PointsRuleVersion.id))) == 0


def test_manual_award_shows_in_history_once_and_verify_passes(app, client, make_user, login, db):
    agent = make_user("staff")
    login(make_user("admin"))
    key = _nonce(_text(client.get(PAGE)))
    data = {"username": agent.username, "amount": "-30", "reason": "Shared a customer's card number", "key": key}
    first = client.post("/admin/points/awards", data=data)
    assert first.status_code == 303 and first.headers["Location"].endswith(f"/users/{agent.id}/points")
    assert "-30 points for" in _text(client.get(first.headers["Location"]))
    again = client.post("/admin/points/awards", data=data)  # a double submission of the same form
    assert again.status_code == 303 and "already recorded" in _text(client.get(again.headers["Location"]))
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 1
    history = _text(client.get(f"/users/{agent.id}/points"))
    assert "Shared a customer&#39;s card number" in history and "−30" not in history and "-30" in history
    assert verify(db.session) == []
    assert app.test_cli_runner().invoke(args=["points", "verify"]).exit_code == 0


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_manual_award_errors_keep_what_was_typed(client, make_user, login, db, lang):
    login(make_user("admin"))
    headers = {"Accept-Language": lang}
    key = _nonce(_text(client.get(PAGE, headers=headers)))
    response = client.post("/admin/points/awards", headers=headers,
                           data={"username": "nobody-here", "amount": "5000", "reason": "", "key": key})
    html = _text(response)
    assert response.status_code == 422
    assert 'value="nobody-here"' in html and 'value="5000"' in html and f'value="{key}"' in html
    assert html.count("field-error") >= 3
    response = client.post("/admin/points/awards", headers=headers,
                           data={"username": "nobody-here", "amount": "5", "reason": "x", "key": "!"})
    assert response.status_code == 422 and _nonce(_text(response)) != "!"  # a fresh nonce to retry with
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 0
