"""Vote fraud checks: origins recorded as hashes, the scan reversing repeated upvotes (once),
shared-origin pairs flagged but not reversed until a moderator confirms, the CLI and the job."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.forum import services
from app.points import fraud
from app.points.bounty_models import FraudCase, VoteOrigin
from app.points.models import PointsEntry
from app.points.queries import ledger_for_user, verify
from factories import answer, ask
from tests.integration.bounty_helpers import entries, points


@pytest.fixture
def ring(db, make_user):
    """``voter`` upvotes four answers of ``target``; ``fan`` upvotes one of them."""
    asker, target, voter, fan = (make_user("staff") for _ in range(4))
    answers = [answer(ask(asker), target) for _ in range(4)]
    for a in answers:
        vote_as(voter, a)
    vote_as(fan, answers[0])
    return type("Ring", (), {"asker": asker, "target": target, "voter": voter, "fan": fan, "answers": answers})


def vote_as(user, post, value=1, *, app=None, headers=None, ip="203.0.113.7"):
    """Vote through the service; with ``app``, inside a request (its origin is recorded)."""
    if app is None:
        services.set_vote(db.session, post, value, by=user)
        db.session.commit()
        return
    with app.test_request_context("/", headers=headers or {}, environ_base={"REMOTE_ADDR": ip}):
        services.set_vote(db.session, post, value, by=user)
        db.session.commit()


def test_origin_hashes_are_keyed_and_never_the_raw_values():
    ip_hash, device_hash = fraud.origin_hashes("secret", "203.0.113.7", "Firefox", "en")
    assert "203.0.113.7" not in ip_hash and len(ip_hash) == 64
    assert fraud.origin_hashes("secret", "203.0.113.7", "Firefox", "en") == (ip_hash, device_hash)
    assert fraud.origin_hashes("other", "203.0.113.7", "Firefox", "en")[0] != ip_hash
    assert fraud.origin_hashes("secret", None, "", "") == (None, None)


def test_upvotes_record_their_origin_only_inside_a_request(app, make_user):
    # The voter may vote down (a privilege earned by points, app/points/privileges.py).
    asker, target, voter = make_user("staff"), make_user("staff"), make_user("staff", points=200)
    outside, inside = answer(ask(asker), target), answer(ask(asker), target)
    vote_as(voter, outside)  # a CLI or a job: no request, no origin
    assert db.session.scalar(select(func.count(VoteOrigin.id))) == 0
    vote_as(voter, inside, app=app, headers={"User-Agent": "UA-1", "Accept-Language": "en"})
    [origin] = db.session.scalars(select(VoteOrigin))
    assert (origin.voter_id, origin.target_id, origin.answer_id) == (voter.id, target.id, inside.id)
    assert origin.ip_hash and "203.0.113.7" not in origin.ip_hash and origin.device_hash
    vote_as(voter, inside, -1, app=app)  # a changed vote is recorded too, with its value
    assert [o.value for o in db.session.scalars(select(VoteOrigin).order_by(VoteOrigin.id))] == [1, -1]


def test_scan_reverses_repeated_upvotes_once_with_a_reason(app, ring):
    assert points(ring.target) == 50
    result = fraud.scan(db.session, threshold=4, window_days=7)
    db.session.commit()
    assert (result.reversed_entries, result.repeated_cases) == (4, 1)
    assert points(ring.target) == 10  # the fan's upvote stands
    reversals = entries(ring.target, "fraud_reversal")
    assert len(reversals) == 4 and all(e.amount == -10 and e.reverses_id for e in reversals)
    assert len(entries(ring.target, "answer_upvoted")) == 5  # append-only: the originals stay
    [case] = db.session.scalars(select(FraudCase))
    assert (case.kind, case.voter_id, case.target_id, case.status) == ("repeated", ring.voter.id, ring.target.id,
                                                                        "open")
    assert len(case.reversed_ids) == 4 and case.evidence["threshold"] == 4
    history = ledger_for_user(db.session, ring.target.id, viewer=ring.target).items
    assert any(row.reason == "fraud_reversal" and str(row.label) == "Reversed: suspected vote fraud"
               for row in history)
    # Idempotent: nothing left to reverse, no second case.
    again = fraud.scan(db.session, threshold=4, window_days=7)
    db.session.commit()
    assert again.reversed_entries == 0
    assert db.session.scalar(select(func.count(FraudCase.id))) == 1
    # Retracting a reversed vote reverses nothing more.
    vote_as(ring.voter, ring.answers[0], 0)
    assert points(ring.target) == 10
    assert verify(db.session) == []


def test_below_the_threshold_or_outside_the_window_nothing_happens(app, ring):
    assert fraud.scan(db.session, threshold=5, window_days=7).reversed_entries == 0
    later = utcnow() + timedelta(days=8)
    assert fraud.scan(db.session, threshold=4, window_days=7, now=later).reversed_entries == 0
    assert db.session.scalar(select(func.count(FraudCase.id))) == 0
    assert points(ring.target) == 50


def test_cli_and_config_defaults(app, ring):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["points", "fraud-scan"])  # default threshold 10: nothing
    assert result.exit_code == 0 and result.output.startswith("0 vote(s) reversed")
    app.config["FRAUD_VOTE_THRESHOLD"] = 4
    result = runner.invoke(args=["points", "fraud-scan", "--window-days", "3"])
    assert result.exit_code == 0 and result.output.startswith("4 vote(s) reversed"), result.output
    assert runner.invoke(args=["points", "fraud-scan", "--threshold", "abc"]).exit_code == 2
    assert points(ring.target) == 10


def test_shared_origin_is_flagged_then_reversed_on_confirm(app, make_user):
    asker, alice, bob = make_user("staff"), make_user("staff"), make_user("staff")
    mod = make_user("moderator")
    same = {"User-Agent": "Shared-Browser", "Accept-Language": "zh-CN"}
    a_post, b_post = answer(ask(asker), alice), answer(ask(asker), bob)
    vote_as(alice, b_post, app=app, headers=same, ip="198.51.100.1")
    vote_as(bob, a_post, app=app, headers=same, ip="198.51.100.2")
    result = fraud.scan(db.session)
    db.session.commit()
    assert result.reversed_entries == 0 and result.shared_cases == 2
    assert points(alice) == 10 and points(bob) == 10  # flagged, not reversed
    case = db.session.scalar(select(FraudCase).where(FraudCase.voter_id == alice.id))
    assert case.kind == "shared_origin" and case.evidence["shared"] == ["device"]
    assert fraud.scan(db.session).shared_cases == 0  # nothing new: no duplicate
    fraud.decide(db.session, case.id, "confirm", by=mod)
    db.session.commit()
    assert points(bob) == 0 and points(alice) == 10
    [rev] = entries(bob, "fraud_reversal")
    assert rev.actor_id == mod.id
    with pytest.raises(Conflict):
        fraud.decide(db.session, case.id, "dismiss", by=mod)
    db.session.rollback()
    other = db.session.scalar(select(FraudCase).where(FraudCase.voter_id == bob.id))
    fraud.decide(db.session, other.id, "dismiss", by=mod)
    db.session.commit()
    assert points(alice) == 10 and other.status == "dismissed"
    assert db.session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.reason == "fraud_reversal")) == 1
    assert verify(db.session) == []
