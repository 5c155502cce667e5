"""Versioned points rules: the ledger pays by the version in force, entries record it, history
is never rewritten, and manual awards are idempotent ledger entries with a reason."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from test_points_ledger import cast, commit_and_check, pts, vote  # noqa: F401  (fixture, helpers)

from app.errors import Forbidden, Invalid
from app.forum import services
from app.points import manual, rules, ruleset
from app.points.models import AppendOnlyViolation, PointsEntry, PointsRuleVersion


def amounts(**changes) -> dict[str, int]:
    return {**ruleset.defaults().amounts, **changes}


def save(db, admin, note="test", capped=None, cap=200, **changes):
    row = ruleset.save_version(db.session, amounts=amounts(**changes),
                               capped=ruleset.defaults().capped if capped is None else capped,
                               daily_cap=cap, note=note, by=admin)
    db.session.commit()
    return row


def entries(db, user) -> list[tuple[int, str, int | None]]:
    return list(db.session.execute(select(PointsEntry.amount, PointsEntry.reason, PointsEntry.rule_version)
                                   .where(PointsEntry.user_id == user.id).order_by(PointsEntry.id)).tuples())


def test_defaults_are_version_0_and_the_table_stays_pure(db):
    assert ruleset.current(db.session) == ruleset.defaults()
    assert ruleset.defaults().version == 0
    assert ruleset.defaults().amounts["answer_upvoted"] == rules.ANSWER_UPVOTED.amount == 10
    assert rules.label(rules.MANUAL) == "Manual adjustment by an administrator"


def test_new_version_pays_new_amounts_and_old_entries_keep_theirs(db, cast, make_user):
    admin = make_user("admin")
    vote(db, cast.answer, 1, cast.voter)                      # under the defaults: +10, version 0
    row = save(db, admin, note="Answers matter more", answer_upvoted=25)
    assert row.version == 1 and row.created_by_id == admin.id
    vote(db, cast.answer, 1, cast.voter2)                     # under version 1: +25
    assert entries(db, cast.answerer) == [(10, "answer_upvoted", 0), (25, "answer_upvoted", 1)]
    save(db, admin, note="Back to normal")                    # version 2 = the defaults again
    vote(db, cast.answer, 0, cast.voter2)                     # the reversal cancels what was paid
    vote(db, cast.answer, 0, cast.voter)
    assert entries(db, cast.answerer) == [(10, "answer_upvoted", 0), (25, "answer_upvoted", 1),
                                          (-25, "answer_upvoted", 1), (-10, "answer_upvoted", 0)]
    assert pts(db, cast.answerer) == 0
    commit_and_check(db)


def test_caps_come_from_the_version(db, cast, make_user):
    admin = make_user("admin")
    save(db, admin, cap=15, note="Tighter cap")
    vote(db, cast.answer, 1, cast.voter)
    vote(db, cast.answer, 1, cast.voter2)
    assert [a for a, _r, _v in entries(db, cast.answerer)] == [10, 5]
    save(db, admin, cap=15, capped=set(), note="Nothing capped")  # cap flag off: pays in full
    vote(db, cast.answer, 1, make_user("staff"))
    assert [a for a, _r, _v in entries(db, cast.answerer)] == [10, 5, 10]
    commit_and_check(db)


def test_accept_amounts_follow_the_version(db, cast, make_user):
    save(db, make_user("admin"), answer_accepted=30, accepted_answer=0, note="Reward solving")
    services.accept_answer(db.session, cast.answer, by=cast.asker)
    commit_and_check(db)
    assert entries(db, cast.answerer) == [(30, "answer_accepted", 1)]
    assert entries(db, cast.asker) == [(0, "accepted_answer", 1)]


@pytest.mark.parametrize("changes, cap, note, field", [
    ({"answer_upvoted": "ten"}, 200, "x", "amount_answer_upvoted"),
    ({"answer_upvoted": 5000}, 200, "x", "amount_answer_upvoted"),
    ({}, -1, "x", "daily_cap"),
    ({}, "", "x", "daily_cap"),
    ({"answer_upvoted": 11}, 200, "   ", "note"),
])
def test_bad_versions_are_refused_with_their_field(db, make_user, changes, cap, note, field):
    with pytest.raises(Invalid) as err:
        ruleset.save_version(db.session, amounts=amounts(**changes), capped=set(), daily_cap=cap, note=note,
                             by=make_user("admin"))
    assert field in err.value.errors
    assert db.session.scalar(select(PointsRuleVersion.id)) is None


def test_only_admins_save_and_an_unchanged_set_is_refused(db, make_user):
    with pytest.raises(Forbidden):
        save(db, make_user("moderator"), answer_upvoted=11)
    with pytest.raises(Invalid, match="Nothing changed"):
        save(db, make_user("admin"))


def test_history_lists_what_changed_and_versions_are_append_only(db, make_user):
    admin = make_user("admin", name="boss")
    save(db, admin, note="one", answer_upvoted=12)
    save(db, admin, note="two", answer_upvoted=12, cap=100)
    page = ruleset.history(db.session)
    assert [(v.version, v.created_by, v.note) for v in page.items] == [(2, "boss", "two"), (1, "boss", "one")]
    assert [(c.code, c.before, c.after) for c in page.items[0].changes] == [(None, 200, 100)]
    assert [(c.code, c.before, c.after) for c in page.items[1].changes] == [("answer_upvoted", 10, 12)]
    # Paged: the oldest version on page 2 is still compared with the defaults.
    assert [(c.code, c.after) for c in ruleset.history(db.session, page=2, per_page=1).items[0].changes] == \
        [("answer_upvoted", 12)]
    row = db.session.scalar(select(PointsRuleVersion).where(PointsRuleVersion.version == 1))
    row.note = "rewritten"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_the_cache_sees_a_new_version_at_once(db, make_user):
    admin = make_user("admin")
    save(db, admin, answer_upvoted=11)
    first = ruleset.current(db.session)
    assert first.version == 1 and ruleset.current(db.session) is first  # cached
    save(db, admin, answer_upvoted=12)
    assert ruleset.current(db.session).amounts["answer_upvoted"] == 12


def test_manual_awards_are_idempotent_and_keep_their_reason(db, cast, make_user):
    admin = make_user("admin")
    key = manual.new_key()
    entry, created = manual.award_manually(db.session, user=cast.answerer, amount="50",
                                           reason="Trained the new agents", by=admin, key=key)
    commit_and_check(db)
    again, created_again = manual.award_manually(db.session, user=cast.answerer, amount="50",
                                                 reason="Trained the new agents", by=admin, key=key)
    commit_and_check(db)
    assert created and not created_again and again.id == entry.id
    assert (entry.reason, entry.note, entry.actor_id, entry.rule_version) == \
        ("manual", "Trained the new agents", admin.id, None)
    manual.award_manually(db.session, user=cast.answerer, amount=-20, reason="Copied answers", by=admin,
                          key=manual.new_key())
    commit_and_check(db)
    assert pts(db, cast.answerer) == 30


@pytest.mark.parametrize("amount, reason, key, field", [
    ("0", "why", None, "amount"), ("1001", "why", None, "amount"), ("-1001", "why", None, "amount"),
    ("1e3", "why", None, "amount"), ("5", "  ", None, "reason"), ("5", "x" * 501, None, "reason"),
    ("5", "why", "bad key!", "nonce"),
])
def test_manual_awards_refuse_bad_input(db, cast, make_user, amount, reason, key, field):
    with pytest.raises(Invalid) as err:
        manual.award_manually(db.session, user=cast.answerer, amount=amount, reason=reason,
                              by=make_user("admin"), key=key or manual.new_key())
    assert field in err.value.errors
    with pytest.raises(Forbidden):
        manual.award_manually(db.session, user=cast.answerer, amount=5, reason="why", by=cast.mod,
                              key=manual.new_key())
    with pytest.raises(Invalid) as err:
        manual.award_manually(db.session, user=None, amount=5, reason="why", by=make_user("admin"),
                              key=manual.new_key())
    assert "username" in err.value.errors


def test_award_cli(app, db, cast, make_user):
    make_user("admin", name="root")
    runner = app.test_cli_runner()
    args = ["points", "award", cast.answerer.username, "40", "--reason", "Wrote the FAQ", "--key", "faq-2026-12"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0 and "+40 points recorded" in result.output, result.output
    result = runner.invoke(args=args)
    assert result.exit_code == 0 and "nothing added" in result.output
    result = runner.invoke(args=["points", "award", cast.answerer.username, "0", "--reason", "x"])
    assert result.exit_code != 0 and "amount" in result.output
    result = runner.invoke(args=["points", "award", "nobody", "5", "--reason", "x"])
    assert result.exit_code != 0 and "username" in result.output
    assert runner.invoke(args=["points", "award", cast.answerer.username, "5"]).exit_code != 0  # reason required
    db.session.expire_all()
    assert pts(db, cast.answerer) == 40
    assert runner.invoke(args=["points", "verify"]).exit_code == 0


# --- the importer awards by the same rules ------------------------------------------------------

def test_import_pays_by_the_version_in_force_capped_per_day_of_the_vote(app, db, tmp_path, make_user):
    from datetime import datetime

    from test_importer import a, q, write_xml

    from app.accounts.models import User
    from app.importer.loader import import_dump

    save(db, make_user("admin"), note="Answers 20", answer_upvoted=20)
    d = tmp_path / "cap"
    d.mkdir()
    write_xml(d, "Users.xml", [{"Id": i, "DisplayName": f"u{i}", "CreationDate": "2014-01-01T00:00:00"}
                               for i in (1, 2)])
    write_xml(d, "Posts.xml", [q(1, 1, "Which yeast for a stout?", "<beer>", AcceptedAnswerId=2), a(2, 1, 2)])
    day1, day2 = "2019-01-03T00:00:00", "2019-01-04T00:00:00"
    write_xml(d, "Votes.xml", [{"Id": i, "PostId": 2, "VoteTypeId": 2, "CreationDate": day1} for i in range(1, 13)]
              + [{"Id": 20, "PostId": 2, "VoteTypeId": 2, "CreationDate": day2},
                 {"Id": 21, "PostId": 1, "VoteTypeId": 3, "CreationDate": day2},
                 {"Id": 22, "PostId": 2, "VoteTypeId": 1, "CreationDate": day2}])
    import_dump(db.session, d, site="cap.example.com")
    commit_and_check(db)
    asker, answerer = (db.session.scalar(select(User).where(User.source_id == i)) for i in (1, 2))
    rows = db.session.execute(select(PointsEntry.amount, PointsEntry.reason, PointsEntry.rule_version,
                                     PointsEntry.created_at).where(PointsEntry.user_id == answerer.id)
                              .order_by(PointsEntry.id)).all()
    upvotes = [r for r in rows if r.reason == "answer_upvoted"]
    # 12 upvotes on day 1 at 20 each, capped at 200: ten pay 20, the last two nothing; day 2 pays again.
    assert [r.amount for r in upvotes] == [20] * 10 + [0, 0, 20]
    assert {r.rule_version for r in rows} == {1}
    assert upvotes[0].created_at == datetime(2019, 1, 3) and upvotes[-1].created_at == datetime(2019, 1, 4)
    assert [(r.amount, r.created_at) for r in rows if r.reason == "answer_accepted"] == [(15, datetime(2019, 1, 4))]
    assert (pts(db, answerer), pts(db, asker)) == (200 + 20 + 15, -2 + 2)
    assert app.test_cli_runner().invoke(args=["points", "verify"]).exit_code == 0


def test_verify_passes_after_importing_the_real_beer_dump(app, db):
    from test_importer import BEER

    from app.importer.loader import import_dump

    report = import_dump(db.session, BEER)
    commit_and_check(db)
    assert report.points_entries > 0  # its accepted answers (the dump has no Votes.xml)
    assert app.test_cli_runner().invoke(args=["points", "verify"]).exit_code == 0
