"""Routing through the real services: who is asked, who never is, caps, declines, learning."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.experts import routing, services as expert_services
from app.experts.index import index_for
from app.experts.models import CandidateState, ExpertiseEvent, TagInterest
from app.extensions import db
from app.forum import services
from app.notifications.models import Notification
from app.notifications.services import counts_today
from tests.integration.experts_helpers import answer, ask, decision, history, notified_ids, ranked_ids


@pytest.fixture
def people(make_user):
    return {"asker": make_user("staff"), "expert": make_user("expert"), "other": make_user("staff"),
            "mod": make_user("moderator")}


def test_question_is_routed_to_the_proven_answerer_with_reasons(app, people):
    history(people["expert"], people["other"], tags=("cards",), n=3)
    q = ask(people["asker"], tags=("cards",))
    d = decision(q)
    assert d is not None and d.status == "routed"
    assert d.candidates[0].user_id == people["expert"].id
    assert people["expert"].id in notified_ids(q)
    codes = {r["code"] for r in d.candidates[0].reasons}
    assert "answered_in_tags" in codes
    note = db.session.scalar(select(Notification).where(Notification.user_id == people["expert"].id,
                                                        Notification.question_id == q.id))
    assert note is not None and note.kind == "routed"


def test_never_the_asker(app, people):
    history(people["asker"], people["other"], tags=("cards",), n=3)  # the asker is the tag's expert
    q = ask(people["asker"], tags=("cards",))
    assert people["asker"].id not in ranked_ids(q)


def test_team_question_is_never_routed_to_someone_who_cannot_see_it(app, make_user, people):
    outsider = make_user("expert", teams=("loans",))
    member = make_user("expert", teams=("cards-team",))
    asker = make_user("staff", teams=("cards-team",))
    history(outsider, people["other"], tags=("cards",), n=4)   # the strongest expert, other team
    history(member, people["other"], tags=("cards",), n=1)
    q = ask(asker, tags=("cards",), visibility="team", team="cards-team")
    ranked = ranked_ids(q)
    assert outsider.id not in ranked
    assert member.id in ranked
    assert people["other"].id not in ranked  # staff outside the team cannot see it either


def test_customers_are_never_routed_even_public_questions(app, make_user, people):
    # Issue 10: customers do not answer for the bank, whatever they answered before.
    customer = make_user("customer")
    history(customer, people["other"], tags=("cards",), n=3)
    q = ask(people["asker"], tags=("cards",), visibility="internal")
    assert customer.id not in ranked_ids(q)
    public = ask(people["asker"], tags=("cards",))
    assert customer.id not in ranked_ids(public)


def test_away_people_are_ranked_but_not_notified(app, people):
    history(people["expert"], people["other"], n=3)
    expert_services.set_availability(db.session, people["expert"], available=False, by=people["expert"])
    db.session.commit()
    q = ask(people["asker"])
    assert people["expert"].id in ranked_ids(q)
    assert people["expert"].id not in notified_ids(q)


def test_away_until_a_past_time_counts_as_back(app, people):
    history(people["expert"], people["other"], n=3)
    profile = expert_services.profile_of(db.session, people["expert"].id)
    profile.is_available, profile.away_until = False, utcnow() - timedelta(hours=1)
    db.session.commit()
    assert people["expert"].id in notified_ids(ask(people["asker"]))


def test_daily_cap_and_open_route_cap(app, people):
    history(people["expert"], people["other"], n=3)
    already = counts_today(db.session, [people["expert"].id]).get(people["expert"].id, 0)  # routed history
    expert_services.set_caps(db.session, people["expert"], max_open_routes=None, daily_limit=already + 1,
                             by=people["expert"])
    db.session.commit()
    first, second = ask(people["asker"]), ask(people["asker"])
    assert people["expert"].id in notified_ids(first)
    assert people["expert"].id not in notified_ids(second)

    expert_services.set_caps(db.session, people["expert"], max_open_routes=1, daily_limit=100, by=people["expert"])
    db.session.commit()
    assert people["expert"].id not in notified_ids(ask(people["asker"]))  # `first` is still open
    answer(first, people["expert"])
    assert people["expert"].id in notified_ids(ask(people["asker"]))


def test_decline_goes_to_the_next_candidate(app, make_user, people):
    second = make_user("expert")
    history(people["expert"], people["other"], n=3)
    history(second, people["other"], n=2)
    app.config["EXPERTS_NOTIFY"] = 1
    q = ask(people["asker"])
    assert notified_ids(q) == [people["expert"].id]
    nxt = routing.decline_route(db.session, q, by=people["expert"], reason="On leave today")
    db.session.commit()
    assert nxt is not None and nxt.user_id != people["expert"].id
    mine = next(c for c in decision(q).candidates if c.user_id == people["expert"].id)
    assert mine.state == CandidateState.declined.value and mine.decline_reason == "On leave today"
    with pytest.raises(Conflict):
        routing.decline_route(db.session, q, by=people["expert"])
    with pytest.raises(Invalid):
        routing.decline_route(db.session, q, by=nxt.user, reason="x" * 501)


def test_answering_closes_the_route(app, people):
    history(people["expert"], people["other"], n=3)
    q = ask(people["asker"])
    answer(q, people["expert"])
    d = decision(q)
    db.session.refresh(d)
    mine = next(c for c in d.candidates if c.user_id == people["expert"].id)
    assert mine.state == CandidateState.answered.value and d.status == "answered"
    assert routing.open_loads(db.session, [people["expert"].id], utcnow(), 7) == {}


def test_assign_by_hand(app, make_user, people):
    customer = make_user("customer")
    app.config["EXPERTS_NOTIFY"] = 0  # nobody is asked automatically: only by hand
    q = ask(people["asker"], visibility="internal")
    with pytest.raises(Forbidden):
        routing.assign_by_hand(db.session, q, people["expert"], by=people["other"])
    with pytest.raises(Invalid):
        routing.assign_by_hand(db.session, q, customer, by=people["mod"])  # cannot see an internal question
    with pytest.raises(Invalid):
        routing.assign_by_hand(db.session, q, people["asker"], by=people["mod"])
    c = routing.assign_by_hand(db.session, q, people["expert"], by=people["mod"])
    db.session.commit()
    assert c.state == "notified" and c.routed_by_id == people["mod"].id
    with pytest.raises(Conflict):
        routing.assign_by_hand(db.session, q, people["expert"], by=people["mod"])


def test_cold_start_declared_expertise_is_ranked(app, make_user, people):
    newcomer = make_user("expert")
    history(people["expert"], people["other"], tags=("loans",), n=2)
    ask(people["other"], tags=("mortgage",))  # the tag must exist to be declared
    expert_services.set_tag_interests(db.session, newcomer, TagInterest.declared.value, ["mortgage"], by=newcomer)
    db.session.commit()
    q = ask(people["asker"], tags=("mortgage",))
    d = decision(q)
    row = next(c for c in d.candidates if c.user_id == newcomer.id)
    assert {"code": "declared_expertise"} in row.reasons


def test_new_evidence_reaches_routing_without_a_rebuild(app, make_user, people):
    q0 = ask(people["other"], tags=("fx",))
    index = index_for(app)
    assert index.loaded
    newcomer = make_user("staff")
    answer(q0, newcomer, body="Foreign exchange spread explained in detail.", accept=True)
    q = ask(people["asker"], tags=("fx",))
    assert index_for(app) is index
    assert ranked_ids(q)[0] == newcomer.id


def test_text_similarity_finds_people_for_a_new_tag(app, make_user, people):
    writer = make_user("staff")
    first = ask(people["other"], tags=("general",), title="Annual fee on the platinum card")
    answer(first, writer, body="The platinum card annual fee is waived after twelve purchases a year.")
    q = ask(people["asker"], tags=("brand-new-tag",), title="Is the platinum card annual fee waived?")
    assert writer.id in ranked_ids(q)[:3]


def test_rolled_back_question_leaves_no_event_or_decision(app, people):
    before = db.session.scalar(select(func.count(ExpertiseEvent.id)))
    services.ask_question(db.session, title="A question that is rolled back", body="Body long enough here.",
                          tags=["cards"], by=people["asker"])
    db.session.rollback()
    assert db.session.scalar(select(func.count(ExpertiseEvent.id))) == before
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_votes_and_acceptance_update_the_graph(app, make_user, people):
    history(people["expert"], people["other"], n=1, accept=False)
    q = ask(people["other"])
    a = answer(q, people["expert"])
    voter = make_user("staff")
    services.set_vote(db.session, a, 1, by=voter)
    db.session.commit()
    ask(people["asker"])  # ranking syncs the index
    ev = {e.tag: e for e in index_for(app).graph.evidence(people["expert"].id)}
    assert ev["cards"].score == 1 and ev["cards"].accepted == 0
    services.accept_answer(db.session, a, by=people["other"])
    db.session.commit()
    ask(people["asker"])
    ev = {e.tag: e for e in index_for(app).graph.evidence(people["expert"].id)}
    assert ev["cards"].accepted == 1


def test_ranked_list_is_padded_to_twenty(app, make_user, people):
    for _ in range(25):
        make_user("staff")
    q = ask(people["asker"], tags=("empty-topic",))
    assert len(ranked_ids(q)) >= 20
    assert people["asker"].id not in ranked_ids(q)
