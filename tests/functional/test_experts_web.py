"""The experts' HTML product: the directory, notifications ("routed to you", mark read, decline),
the expert settings, and the routing panel on the question page (who sees what)."""
from __future__ import annotations

import html
import re
from types import SimpleNamespace

import factories
import pytest
from forum_pages_support import field_error, sign_in, sign_out, text
from sqlalchemy import select

from app.experts.models import ExpertProfile, RoutingCandidate, RoutingDecision
from app.experts.queries import interests_of
from app.extensions import db
from app.notifications.models import Notification

PIN_ANSWER = "Use the PIN reset screen in the branch tool, then send a new PIN letter."


def _ask(user, title: str, tags=("cards",), visibility: str = "public"):
    # Routing runs after the commit (JOBS_MODE=inline in tests).
    return factories.ask(user, title=title, body="The customer forgot the PIN, what now?", tags=tags,
                         visibility=visibility)


def _answered(asker, expert, title: str, visibility: str = "public", body: str = PIN_ANSWER):
    factories.answer(_ask(asker, title, visibility=visibility), expert, body=body, accept=True)


def _decision(question) -> RoutingDecision:
    return db.session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))


def _candidate(question, user) -> RoutingCandidate | None:
    return next((c for c in _decision(question).candidates if c.user_id == user.id), None)


def _notes(user, question=None) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if question is not None:
        stmt = stmt.where(Notification.question_id == question.id)
    return list(db.session.scalars(stmt))


def _expert_block(page: str, user) -> str:
    """The directory row of ``user`` ("" when not listed)."""
    for block in page.split('<li class="expert">')[1:]:
        if f'href="/users/{user.id}"' in block:
            return block
    return ""


def _evidence(block: str, label: str) -> int:
    match = re.search(rf"<dt>{label}</dt><dd>(\d+)</dd>", block)
    assert match, block
    return int(match.group(1))


def _unread(user) -> int:
    """Unread and unresolved: what the bell counts (resolved routes no longer ask for attention)."""
    return len([n for n in _notes(user) if n.read_at is None and n.resolved_at is None])


def _unread_badge(page: str) -> int | None:
    match = re.search(r'class="notif-count"[^>]*>([^<]+)<', page)
    return int(match.group(1)) if match else None


@pytest.fixture
def cast(app, make_user):
    """The expert answered (accepted) two public and one internal 'cards' question, the second expert
    one public; then a new public 'cards' question is asked and routed, to one person only."""
    app.config["EXPERTS_NOTIFY"] = 1
    people = SimpleNamespace(asker=make_user("staff", name="asker"), expert=make_user("expert", name="expert"),
                             second=make_user("expert", name="second"), moderator=make_user("moderator"),
                             customer=make_user("customer"), staff=make_user("staff"))
    _answered(people.asker, people.expert, "How do I reset a card PIN at the branch?")
    _answered(people.asker, people.expert, "How do I reset a card PIN by phone?")
    _answered(people.asker, people.expert, "Internal: PIN reset for locked cards", visibility="internal")
    _answered(people.asker, people.second, "How long does a new card take to arrive?",
              body="Five working days by post, two by courier.")
    _ask(people.asker, "A question about loans to create the tag", tags=("loans",))
    people.question = _ask(people.asker, "Card PIN locked after three wrong tries")
    return people


def test_directory_by_tag_shows_evidence_the_viewer_may_see(client, cast):
    sign_in(client, cast.staff)
    page = text(client.get("/experts?tag=cards"))
    row = _expert_block(page, cast.expert)
    assert row and "expert" in row
    assert (_evidence(row, "Answers"), _evidence(row, "Accepted")) == (3, 3)
    assert "Last answer" in row
    sign_in(client, cast.customer)  # the internal question is not counted for a customer
    row = _expert_block(text(client.get("/experts?tag=Cards")), cast.expert)
    assert (_evidence(row, "Answers"), _evidence(row, "Accepted")) == (2, 2)


def test_directory_who_knows_and_landing_page(client, cast):
    page = text(client.get("/experts?q=PIN+reset+screen"))
    assert 'value="PIN reset screen"' in page
    first = page.split('<li class="expert">')[1]
    assert f'href="/users/{cast.expert.id}"' in first  # the best match comes first
    assert "Nobody has answered" in text(client.get("/experts?q=zzzqqq"))
    landing = text(client.get("/experts"))
    assert 'href="/experts?tag=cards"' in landing and _expert_block(landing, cast.expert)
    assert client.get("/experts?q=" + "x" * 5000).status_code == 200


def test_away_and_declared_badges(client, cast):
    sign_in(client, cast.second)
    response = client.post("/settings/expert", data={"availability": "away", "declared_tags": "cards"})
    assert response.status_code == 303
    row = _expert_block(text(client.get("/experts?tag=cards")), cast.second)
    assert "Away" in row and "Declared expert" in row


def test_notifications_list_the_routed_question_and_mark_read(client, cast):
    assert cast.expert.id in [c.user_id for c in _decision(cast.question).candidates if c.notified_at]
    sign_in(client, cast.expert)
    page = text(client.get("/notifications"))
    routed = page[page.index('id="routed-title"'):page.index('id="all-notes-title"')]
    assert cast.question.title in routed and "Answered questions tagged cards" in routed
    assert f'action="/questions/{cast.question.id}/routing/decline"' in routed
    unread = _unread(cast.expert)  # accepted answers, and the open route
    assert page.count('class="note is-unread"') == unread and _unread_badge(page) == unread
    to_mark = len([n for n in _notes(cast.expert) if n.read_at is None])  # resolved ones too
    response = client.post("/notifications/read")
    assert response.status_code == 303 and response.headers["Location"].endswith("/notifications")
    page = text(client.get("/notifications"))
    assert "is-unread" not in page and _unread_badge(page) is None
    assert f"{to_mark} notifications marked as read." in page
    assert all(n.read_at is not None for n in _notes(cast.expert))


def test_notifications_need_a_login(client):
    response = client.get("/notifications")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert client.post("/notifications/read").status_code in (302, 303)


def test_header_unread_count(client, cast):
    assert 'class="notif-link"' not in text(client.get("/"))  # visitors: no link, no query
    sign_in(client, cast.expert)
    page = text(client.get("/"))
    unread = _unread(cast.expert)
    assert unread and _unread_badge(page) == unread and f"({unread} unread)" in page
    sign_in(client, cast.customer)
    page = text(client.get("/"))
    assert 'class="notif-link"' in page and _unread_badge(page) is None


def test_decline_by_form_passes_the_question_on(client, cast):
    assert _notes(cast.second, cast.question) == []
    sign_in(client, cast.expert)
    response = client.post(f"/questions/{cast.question.id}/routing/decline",
                           data={"reason": "On leave this week", "origin": "notifications"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/notifications")
    db.session.expire_all()
    mine = _candidate(cast.question, cast.expert)
    assert (mine.state, mine.decline_reason) == ("declined", "On leave this week")
    assert len(_notes(cast.second, cast.question)) == 1  # the next candidate
    page = text(client.get("/notifications"))
    assert "You declined the question" in page and cast.question.title not in page.split('id="all-notes-title"')[0]
    again = client.post(f"/questions/{cast.question.id}/routing/decline", data={"reason": ""})
    assert again.status_code == 303  # a conflict is a message, not an error page
    assert "not waiting for your answer" in text(client.get("/notifications"))


@pytest.mark.parametrize("origin", ["notifications", "question"])
def test_a_too_long_reason_is_refused_and_kept(client, cast, origin):
    sign_in(client, cast.expert)
    typed = "Too busy " + "x" * 500
    response = client.post(f"/questions/{cast.question.id}/routing/decline", data={"reason": typed, "origin": origin})
    assert response.status_code == 422
    page = text(response)
    assert html.escape(typed) in page and "At most 500 characters." in page
    db.session.expire_all()
    assert _candidate(cast.question, cast.expert).state == "notified"  # nothing half-written
    assert _notes(cast.second, cast.question) == []


def test_decline_when_not_asked_is_a_4xx(client, cast):
    sign_in(client, cast.customer)
    response = client.post(f"/questions/{cast.question.id}/routing/decline", data={"reason": "no"})
    assert 300 <= response.status_code < 500
    assert client.post("/questions/999999/routing/decline", data={}).status_code == 404


def test_settings_save_availability_tags_and_caps(client, cast):
    sign_in(client, cast.expert)
    page = text(client.get("/settings/expert"))
    assert re.search(r'<input checked[^>]*value="available"', page) and "UTC" in page
    assert 'href="/settings/expert"' in text(client.get("/settings"))  # linked from the account settings
    response = client.post("/settings/expert", data={
        "availability": "away", "away_until": "2099-01-31T18:30", "declared_tags": "cards, Loans",
        "subscribed_tags": "loans", "max_open_routes": "2", "daily_limit": ""})
    assert response.status_code == 303
    db.session.expire_all()
    profile = db.session.get(ExpertProfile, cast.expert.id)
    assert (profile.is_available, profile.away_until.isoformat(), profile.max_open_routes, profile.daily_limit) == \
        (False, "2099-01-31T18:30:00", 2, None)
    assert interests_of(db.session, cast.expert.id) == {"declared": ["cards", "loans"], "subscribed": ["loans"]}
    page = text(client.get("/settings/expert"))
    assert re.search(r'<input checked[^>]*value="away"', page) and 'value="2099-01-31T18:30"' in page and 'value="cards loans"' in page
    user_page = text(client.get(f"/users/{cast.expert.id}"))
    assert "Expertise" in user_page and 'href="/experts?tag=loans"' in user_page


def test_settings_unknown_tag_shows_the_error_and_keeps_the_input(client, cast):
    sign_in(client, cast.expert)
    response = client.post("/settings/expert", data={
        "availability": "away", "declared_tags": "cards nosuchtag", "subscribed_tags": "", "max_open_routes": "500",
        "away_until": "2000-01-01T00:00"})
    assert response.status_code == 422
    page = text(response)
    assert "nosuchtag" in field_error(page, "declared_tags")
    assert 'value="cards nosuchtag"' in page and 'value="500"' in page
    assert field_error(page, "max_open_routes")
    db.session.expire_all()
    assert db.session.get(ExpertProfile, cast.expert.id) is None  # nothing saved
    assert interests_of(db.session, cast.expert.id)["declared"] == []
    assert client.post("/settings/expert", data={"away_until": "soon"}).status_code == 422


def test_moderator_sees_every_candidate_and_routes_by_hand(client, cast):
    sign_in(client, cast.moderator)
    url = f"/questions/{cast.question.id}"
    page = text(client.get(url, follow_redirects=True))
    panel = page[page.index('id="routing"'):page.index('id="answers-title"')]
    candidates = _decision(cast.question).candidates
    assert panel.count('<li class="candidate ') == len(candidates) >= 2
    assert 'href="/users/%d"' % cast.expert.id in panel and "Answered questions tagged cards" in panel
    assert "Asked" in panel and "score " in panel
    response = client.post(f"{url}/routing", data={"username": cast.staff.username})
    assert response.status_code == 303 and "#routing" in response.headers["Location"]
    db.session.expire_all()
    added = _candidate(cast.question, cast.staff)
    assert added.state == "notified" and added.routed_by_id == cast.moderator.id
    assert len(_notes(cast.staff, cast.question)) == 1
    page = text(client.get(url, follow_redirects=True))
    assert f"Asked by hand by {cast.moderator.display_name}" in page
    refused = client.post(f"{url}/routing", data={"username": "nobody-like-this"})
    assert refused.status_code == 422
    assert 'value="nobody-like-this"' in text(refused) and "No such user." in text(refused)
    again = client.post(f"{url}/routing", data={"username": cast.staff.username})
    assert again.status_code == 303  # already asked: a message on the question page
    assert client.post(f"{url}/routing", data={"username": cast.asker.username}).status_code == 422


def test_only_moderators_route_by_hand(client, cast):
    sign_in(client, cast.expert)
    response = client.post(f"/questions/{cast.question.id}/routing", data={"username": cast.staff.username})
    assert response.status_code == 403
    assert _notes(cast.staff, cast.question) == []


def test_the_notified_expert_sees_only_why_they_were_asked(client, cast):
    sign_in(client, cast.expert)
    page = text(client.get(f"/questions/{cast.question.id}", follow_redirects=True))
    panel = page[page.index('id="routing"'):page.index('id="answers-title"')]
    assert "Why you were asked" in panel and "Answered questions tagged cards" in panel
    assert f'action="/questions/{cast.question.id}/routing/decline"' in panel
    assert '<li class="candidate' not in panel and "Ask someone else" not in panel
    assert f'href="/users/{cast.second.id}"' not in page


def test_visitors_and_unrelated_users_see_no_panel(client, cast):
    url = f"/questions/{cast.question.id}"
    for viewer in (None, cast.customer, cast.staff):
        sign_out(client) if viewer is None else sign_in(client, viewer)
        page = text(client.get(url, follow_redirects=True))
        assert 'id="routing"' not in page and "Why you were asked" not in page


def test_user_page_expertise_counts_what_the_viewer_may_see(client, cast):
    sign_in(client, cast.customer)
    page = text(client.get(f"/users/{cast.expert.id}"))
    section = page[page.index('id="expertise-title"'):]
    assert re.search(r">cards</a></th>\s*<td>2</td><td>2</td>", section)
    sign_in(client, cast.moderator)
    section = text(client.get(f"/users/{cast.expert.id}"))
    assert re.search(r">cards</a></th>\s*<td>3</td><td>3</td>", section)
