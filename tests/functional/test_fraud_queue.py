"""/review/fraud: moderators and admins see the cases and decide them; nobody else finds the page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.forum import services
from app.points import fraud
from app.points.bounty_models import FraudCase
from factories import answer, ask, sign_in
from tests.integration.bounty_helpers import points


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def cases(app, make_user):
    """A repeated-votes case (reversed) and a shared-origin pair (flagged)."""
    asker, target, voter = make_user("staff"), make_user("staff"), make_user("staff")
    for _ in range(3):
        services.set_vote(db.session, answer(ask(asker), target), 1, by=voter)
        db.session.commit()
    alice, bob = make_user("staff"), make_user("staff")
    a_post, b_post = answer(ask(asker), alice), answer(ask(asker), bob)
    for user, post in ((alice, b_post), (bob, a_post)):
        with app.test_request_context("/", headers={"User-Agent": "Same"}, environ_base={"REMOTE_ADDR": "192.0.2.9"}):
            services.set_vote(db.session, post, 1, by=user)
            db.session.commit()
    fraud.scan(db.session, threshold=3)
    db.session.commit()
    return type("Cases", (), {"target": target, "voter": voter, "alice": alice, "bob": bob})


@pytest.mark.parametrize("role", ["customer", "staff", "expert"])
def test_only_moderators_find_the_queue(client, make_user, cases, role):
    sign_in(client, make_user(role))
    assert client.get("/review/fraud").status_code == 404
    case = db.session.scalars(select(FraudCase)).first()
    assert client.post(f"/review/fraud/{case.id}/confirm").status_code == 404
    db.session.refresh(case)
    assert case.status == "open"


def test_anonymous_visitors_are_sent_to_log_in(client, cases):
    response = client.get("/review/fraud")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_see_each_case_with_its_evidence(client, make_user, cases, role):
    sign_in(client, make_user(role))
    page = text(client.get("/review/fraud"))
    assert "3 cases" in page
    assert cases.voter.display_name in page and cases.target.display_name in page
    assert "3 upvotes within 7 days (threshold 3)." in page
    assert "Shared network or device" in page and "Confirm and reverse the votes" in page


def test_confirm_reverses_a_shared_origin_case_and_dismiss_closes_one(client, make_user, cases):
    sign_in(client, make_user("moderator"))
    flagged = db.session.scalar(select(FraudCase).where(FraudCase.voter_id == cases.alice.id))
    assert points(cases.bob) == 10
    response = client.post(f"/review/fraud/{flagged.id}/confirm")
    assert response.status_code == 303 and response.headers["Location"].endswith("/review/fraud")
    assert points(cases.bob) == 0
    again = client.post(f"/review/fraud/{flagged.id}/dismiss", follow_redirects=True)
    assert "This case was already decided." in text(again)
    other = db.session.scalar(select(FraudCase).where(FraudCase.voter_id == cases.bob.id))
    client.post(f"/review/fraud/{other.id}/dismiss")
    db.session.refresh(other)
    assert other.status == "dismissed" and points(cases.alice) == 10
    assert client.post(f"/review/fraud/{other.id}/approve").status_code == 404
    assert "Dismissed" in text(client.get("/review/fraud?status=dismissed"))
    assert "1 case" in text(client.get("/review/fraud?status=confirmed"))


def test_queue_in_chinese(client, make_user, cases):
    client.post("/language", data={"locale": "zh_CN"})
    sign_in(client, make_user("moderator"))
    response = client.get("/review/fraud")
    assert response.status_code == 200 and '<html lang="zh-CN">' in text(response)
    assert cases.voter.display_name in text(response)


def test_shared_evidence_is_named(client, make_user, cases):
    sign_in(client, make_user("moderator"))
    assert "Seen voting from the same: device, network address." in text(client.get("/review/fraud"))
