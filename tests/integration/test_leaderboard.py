"""Leaderboards over the ledger: calendar periods, ties, tags, teams, visibility, deactivation."""
from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import update

from app.accounts.models import User
from app.errors import Invalid
from app.extensions import db
from app.points import leaderboard as boards
from app.points.models import PointsEntry
from factories import ask, make_team

NOW = datetime(2026, 5, 20, 12, 0)   # a Wednesday in the second quarter
_n = itertools.count(1)


def earn(user, amount: int, when: datetime = NOW, question=None):
    """A ledger entry written directly (the leaderboard reads whatever the rules wrote)."""
    n = next(_n)
    db.session.add(PointsEntry(user_id=user.id, amount=amount, reason="answer_upvoted",
                               question_id=question.id if question else None, created_at=when,
                               idempotency_key=f"lb:{n}/g1", key_stem=f"lb:{n}"))
    db.session.execute(update(User).where(User.id == user.id).values(points=User.points + amount))
    db.session.commit()


def board(period="all", tag=None, team=None, viewer=None, **kw):
    viewer = viewer or AnonymousUserMixin()
    page = boards.leaderboard(db.session, boards.Board(period=period, tag=tag, team=team, at=NOW),
                              viewer=viewer, **kw)
    return [(r.user.username, r.points, r.rank) for r in page.items], page.total


def test_calendar_periods_in_utc():
    assert boards.period_start("week", NOW) == datetime(2026, 5, 18)       # Monday
    assert boards.period_end("week", NOW) == datetime(2026, 5, 25)
    assert boards.period_start("month", NOW) == datetime(2026, 5, 1)
    assert boards.period_end("month", datetime(2026, 12, 31, 23, 59)) == datetime(2027, 1, 1)
    assert boards.period_start("quarter", NOW) == datetime(2026, 4, 1)
    assert boards.period_end("quarter", datetime(2026, 11, 2)) == datetime(2027, 1, 1)
    assert boards.period_start("all", NOW) is None and boards.period_end("all", NOW) is None
    with pytest.raises(boards.BadPeriod):
        boards.period_start("year", NOW)


def test_periods_count_only_their_entries_and_ties_share_a_rank(make_user):
    a, b, c, d = (make_user("expert", name=n) for n in ("ann", "bob", "cat", "dan"))
    earn(a, 30, datetime(2026, 5, 18, 0, 0))    # this week (Monday 00:00 is in)
    earn(b, 30, datetime(2026, 5, 19))          # this week: ties with ann
    earn(c, 10, datetime(2026, 5, 17, 23, 59))  # Sunday: last week, this month
    earn(d, 50, datetime(2026, 4, 2))           # last month, this quarter
    earn(d, 70, datetime(2025, 12, 31))         # last year
    assert board("week") == ([("ann", 30, 1), ("bob", 30, 1)], 2)
    assert board("month") == ([("ann", 30, 1), ("bob", 30, 1), ("cat", 10, 3)], 3)
    assert board("quarter") == ([("dan", 50, 1), ("ann", 30, 2), ("bob", 30, 2), ("cat", 10, 4)], 4)
    assert board("all")[0][0] == ("dan", 120, 1)
    # Pages never overlap and keep the ranks of the whole board.
    assert board("quarter", per_page=2, page=2) == ([("bob", 30, 2), ("cat", 10, 4)], 4)
    assert board("quarter", per_page=2, page=9) == ([], 4)


def test_deactivated_users_leave_the_board_without_leaving_a_gap(make_user):
    a, b, c = (make_user("expert", name=n) for n in ("top", "gone", "third"))
    earn(a, 50), earn(b, 40), earn(c, 30)
    b.is_active_account = False
    db.session.commit()
    assert board() == ([("top", 50, 1), ("third", 30, 2)], 2)


def test_anonymous_viewers_count_public_activity_only(make_user):
    asker, agent = make_user("staff", teams=("cards",)), make_user("expert", name="agent", teams=("cards",))
    public, internal = ask(asker, tags=("cards",)), ask(asker, tags=("cards",), visibility="internal")
    team_q = ask(asker, tags=("cards",), visibility="team", team="cards")
    earn(agent, 10, question=public)
    earn(agent, 100, question=internal)
    earn(agent, 1000, question=team_q)
    earn(agent, 1)   # tied to no question: counts for everyone
    assert board() == ([("agent", 11, 1)], 1)
    assert board(viewer=make_user("customer")) == ([("agent", 11, 1)], 1)
    assert board(viewer=make_user("staff")) == ([("agent", 111, 1)], 1)
    assert board(viewer=make_user("staff", teams=("cards",))) == ([("agent", 1111, 1)], 1)
    assert board(viewer=make_user("moderator")) == ([("agent", 1111, 1)], 1)
    assert boards.rank_of(db.session, agent.id, boards.Board(at=NOW), viewer=None) == (1, 11)


def test_tag_and_team_boards(make_user):
    loans = make_team("loans")
    asker = make_user("staff")
    a = make_user("expert", name="carda", teams=("cards",))
    b = make_user("expert", name="loanb", teams=("loans",))
    on_cards, on_loans = ask(asker, tags=("cards",)), ask(asker, tags=("loans", "cards"))
    earn(a, 20, question=on_cards)
    earn(b, 15, question=on_loans)
    earn(b, 40, question=ask(asker, tags=("loans",)))
    earn(a, 99)   # no question: never in a tag board
    cards_tag, loans_tag = boards.find_tag(db.session, "cards"), boards.find_tag(db.session, "LOANS")
    assert board(tag=cards_tag) == ([("carda", 20, 1), ("loanb", 15, 2)], 2)
    assert board(tag=loans_tag) == ([("loanb", 55, 1)], 1)
    assert board(team=loans) == ([("loanb", 55, 1)], 1)
    cards = boards.find_team(db.session, "cards")
    assert board(team=cards, tag=cards_tag) == ([("carda", 20, 1)], 1)
    assert boards.find_team(db.session, str(cards.id)) == cards
    assert boards.rank_of(db.session, b.id, boards.Board(at=NOW), viewer=None) == (2, 55)
    assert boards.rank_of(db.session, asker.id, boards.Board(at=NOW), viewer=None) is None


def test_board_from_query_arguments(make_user):
    make_team("cards")
    ask(make_user("staff"), tags=("cards",))
    found = boards.board_from_args(db.session, {"period": "month", "tag": "cards", "team": "cards"})
    assert (found.period, found.tag.name, found.team.slug) == ("month", "cards", "cards")
    assert boards.board_from_args(db.session, {}).period == "all"
    with pytest.raises(Invalid) as err:
        boards.board_from_args(db.session, {"period": "year", "tag": "nope", "team": "nobody"})
    assert set(err.value.errors) == {"period", "tag", "team"}


def test_who_may_export(make_user):
    cards, loans = make_team("cards"), make_team("loans")
    admin_of_cards = make_user("staff", teams=("cards",))
    admin_of_cards.memberships[0].is_team_admin = True
    db.session.commit()
    assert boards.can_export(make_user("moderator"), None) and boards.can_export(make_user("admin"), loans)
    assert boards.can_export(admin_of_cards, cards)
    assert not boards.can_export(admin_of_cards, loans) and not boards.can_export(admin_of_cards, None)
    assert not boards.can_export(make_user("staff", teams=("cards",)), cards)
    assert not boards.can_export(AnonymousUserMixin(), None)
