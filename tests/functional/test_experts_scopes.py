""""Who knows X" ranks only on what the viewer may see (issue 8, §5), through the page and the API.

The internal expert's only answers mentioning 补卡 are on an internal question; the team expert's
only answers mentioning 销卡 are on a 'cards' team question. Both also answered a public question
about something else, so each has evidence every viewer may see: only the text may give them
away, and it must not.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from forum_pages_support import sign_in, sign_out, text

from app.accounts import services as accounts
from app.extensions import db
from app.forum import services

VIEWERS = ("anonymous", "customer", "other_team", "member", "moderator")
# Who may find whom by words written only in an internal / a team answer.
FINDS_INTERNAL = {"anonymous": False, "customer": False, "other_team": True, "member": True, "moderator": True}
FINDS_TEAM = {"anonymous": False, "customer": False, "other_team": False, "member": True, "moderator": True}


def answered(asker, expert, title, body, **scope):
    question = services.ask_question(db.session, title=title, body="What should the agent tell the customer?",
                                     tags=["cards"], by=asker, **scope)
    db.session.commit()
    services.post_answer(db.session, question, body=body, by=expert)
    db.session.commit()
    return question


@pytest.fixture
def world(app):
    for team in ("cards", "loans"):
        accounts.create_team(db.session, team)
    user = lambda name, role, teams=(): accounts.create_user(  # noqa: E731  (no password: fast)
        db.session, name, None, role=role, teams=list(teams))
    w = SimpleNamespace(
        anonymous=None, customer=user("customer", "customer"), other_team=user("loans-agent", "staff", ["loans"]),
        member=user("cards-agent", "staff", ["cards"]), moderator=user("moderator", "moderator"),
        asker=user("asker", "staff", ["cards"]), internal_expert=user("internal-expert", "expert"),
        team_expert=user("team-expert", "expert", ["cards"]))
    db.session.commit()
    answered(w.asker, w.internal_expert, "How long does a PIN letter take?", "About five working days by post.")
    answered(w.asker, w.team_expert, "Where do I order a new chequebook?", "In the branch tool, under orders.")
    w.internal_q = answered(w.asker, w.internal_expert, "Customer lost the card abroad",
                            "补卡流程: freeze the card first, then 补卡 at the nearest branch.", visibility="internal")
    w.team_q = answered(w.asker, w.team_expert, "Closing a credit card account",
                        "销卡 needs the balance at zero; 销卡 takes two days.", visibility="team", team="cards")
    return w


def page_ids(client, world, viewer, q) -> set[int]:
    sign_out(client)
    if viewer != "anonymous":
        sign_in(client, getattr(world, viewer))
    html = text(client.get("/experts", query_string={"q": q}))
    return {u.id for u in (world.internal_expert, world.team_expert) if f'href="/users/{u.id}"' in html}


def api_ids(client, world, viewer, q, token_for) -> set[int]:
    sign_out(client)
    headers = {} if viewer == "anonymous" else token_for(getattr(world, viewer))
    body = client.get("/api/v1/experts", query_string={"q": q}, headers=headers).get_json()
    return {item["user"]["id"] for item in body["items"]}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_internal_and_team_words_find_people_only_for_those_who_may_read_them(client, world, token_for, viewer):
    internal, team = {world.internal_expert.id}, {world.team_expert.id}
    for ids in (lambda q: page_ids(client, world, viewer, q), lambda q: api_ids(client, world, viewer, q, token_for)):
        assert ids("补卡") == (internal if FINDS_INTERNAL[viewer] else set()), viewer
        assert ids("销卡") == (team if FINDS_TEAM[viewer] else set()), viewer
        assert ids("chequebook") == team and ids("PIN letter") == internal    # public words: everyone


def test_a_question_moved_out_of_reach_takes_its_text_along(client, world, token_for):
    services.edit_question(db.session, world.internal_q, visibility="team", team="loans", by=world.moderator)
    db.session.commit()
    assert api_ids(client, world, "member", "补卡", token_for) == set()           # no longer internal
    assert api_ids(client, world, "other_team", "补卡", token_for) == {world.internal_expert.id}
    services.edit_question(db.session, world.team_q, visibility="public", by=world.moderator)
    db.session.commit()
    assert api_ids(client, world, "anonymous", "销卡", token_for) == {world.team_expert.id}
    services.delete_post(db.session, world.team_q, by=world.moderator)
    db.session.commit()
    assert api_ids(client, world, "moderator", "销卡", token_for) == set()        # deleted: gone for all


def test_tag_evidence_counts_only_questions_the_viewer_may_see(client, world, token_for):
    def evidence(viewer):
        headers = {} if viewer == "anonymous" else token_for(getattr(world, viewer))
        items = client.get("/api/v1/experts?tag=cards", headers=headers).get_json()["items"]
        return {item["user"]["id"]: item["evidence"]["answers"] for item in items}
    both = {world.internal_expert.id: 1, world.team_expert.id: 1}
    assert evidence("anonymous") == evidence("customer") == both
    assert evidence("other_team") == {world.internal_expert.id: 2, world.team_expert.id: 1}
    assert evidence("member") == evidence("moderator") == {world.internal_expert.id: 2, world.team_expert.id: 2}
