"""``flask qa create-user``: roles, teams, passwords, printed tokens and clear refusals."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Team, User



@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=["qa", "create-user", *args])
    return run


def _user(db, name: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def test_creates_a_user_with_role_team_and_password(cli, db, app):
    result = cli("li.na", "--role", "expert", "--team", "Credit Cards", "--password", "s3cret-pass",
                 "--display-name", "李娜")
    assert result.exit_code == 0, result.output
    assert "created user li.na" in result.output
    user = _user(db, "li.na")
    assert (user.role, user.display_name) == ("expert", "李娜")
    assert [m.team.slug for m in user.memberships] == ["credit-cards"]
    assert db.session.scalar(select(Team.name).where(Team.slug == "credit-cards")) == "Credit Cards"

    login = app.test_client().post("/login", data={"username": "li.na", "password": "s3cret-pass"})
    assert login.status_code == 302


def test_existing_teams_are_reused_and_repeats_ignored(cli, db, make_user):
    make_user("staff", teams=("cards",))
    result = cli("wang.wei", "--role", "staff", "--team", "cards", "--team", "Cards", "--team", "loans")
    assert result.exit_code == 0, result.output
    assert sorted(m.team.slug for m in _user(db, "wang.wei").memberships) == ["cards", "loans"]
    assert db.session.scalar(select(func.count(Team.id))) == 2


def test_print_token_prints_a_working_token_last(cli, db, app):
    result = cli("bot", "--role", "staff", "--print-token")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("qa_")
    assert _user(db, "bot").password_hash is None  # token-only account
    page = app.test_client().get("/settings", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200 and "bot" in page.get_data(as_text=True)


def test_bad_role_is_refused_with_the_choices(cli, db):
    result = cli("someone", "--role", "overlord")
    assert result.exit_code != 0
    assert "overlord" in result.output and "customer" in result.output  # click lists the valid roles
    assert _user(db, "someone") is None


def test_duplicate_name_is_refused_and_nothing_half_written(cli, db, make_user):
    make_user(name="taken")
    result = cli("Taken", "--team", "brand-new-team", "--print-token")
    assert result.exit_code == 1
    assert "This username is taken." in result.output
    assert "qa_" not in result.output
    assert db.session.scalar(select(Team).where(Team.slug == "brand-new-team")) is None


@pytest.mark.parametrize("args, message", [
    (["x"], "3-64 letters"),
    (["fine-name", "--password", "short"], "Use at least 8 characters."),
])
def test_bad_name_or_weak_password_is_refused(cli, db, args, message):
    result = cli(*args)
    assert result.exit_code == 1 and message in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
