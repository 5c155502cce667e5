"""Administration over HTTP: who may open it, role changes, teams and their members."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import Team, TeamMembership, User



def _text(response) -> str:
    return response.get_data(as_text=True)


def _team(db, slug: str) -> Team:
    return db.session.scalar(select(Team).where(Team.slug == slug))


def _membership(db, user, team) -> TeamMembership | None:
    db.session.expire_all()
    return db.session.get(TeamMembership, (user.id, team.id))


def _make_team_admin(db, user, slug: str) -> Team:
    team = _team(db, slug)
    db.session.get(TeamMembership, (user.id, team.id)).is_team_admin = True
    db.session.commit()
    return team


# --- access ------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_login(client):
    for path in ("/admin/", "/admin/users", "/admin/teams", "/admin/teams/1"):
        response = client.get(path)
        assert response.status_code == 303 and "/login?next=" in response.headers["Location"], path


@pytest.mark.parametrize("role", ["customer", "staff", "expert", "moderator"])
def test_non_admins_get_403(client, make_user, login, role):
    login(make_user(role, teams=("cards",)))  # a plain member, not a team admin
    team_id = 1
    for path in ("/admin/", "/admin/users", "/admin/teams", f"/admin/teams/{team_id}"):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/teams", data={"name": "Loans"}).status_code == 403


def test_admin_home_depends_on_the_role(client, make_user, login, db):
    login(make_user("admin"))
    assert client.get("/admin/").headers["Location"].endswith("/admin/users")
    client.post("/logout")
    boss = make_user("staff", teams=("cards",))
    _make_team_admin(db, boss, "cards")
    login(boss)
    assert client.get("/admin/").headers["Location"].endswith("/admin/teams")


# --- users and roles -------------------------------------------------------------------------

def test_user_list_is_paginated_and_searchable(client, make_user, login, db):
    admin = make_user("admin", name="root")
    for i in range(25):
        accounts.create_user(db.session, f"agent{i:02d}", None, display_name=f"坐席 {i}")
    db.session.commit()
    login(admin)
    first = _text(client.get("/admin/users"))
    assert "26 users." in first and "agent19" in first and "agent20" not in first  # 20 a page
    assert "agent24" in _text(client.get("/admin/users?page=2"))
    found = _text(client.get("/admin/users?q=AGENT1"))
    assert "10 users match" in found and "agent10" in found and "agent02" not in found
    assert "agent07" in _text(client.get("/admin/users?q=坐席 7"))  # display names too
    assert "0 users match" in _text(client.get("/admin/users?q=%25"))  # LIKE wildcards are literal
    assert client.get("/admin/users?page=abc").status_code == 200


def test_admin_changes_a_role(client, make_user, login, db):
    admin, agent = make_user("admin"), make_user("staff")
    login(admin)
    response = client.post(f"/admin/users/{agent.id}/role", data={"role": "expert", "q": "staff", "page": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users?q=staff")
    db.session.refresh(agent)
    assert agent.role == "expert"
    assert "is now Expert" in _text(client.get("/admin/users"))


def test_role_change_refusals(client, make_user, login, db):
    admin, agent = make_user("admin"), make_user("staff")
    login(admin)
    bad = client.post(f"/admin/users/{agent.id}/role", data={"role": "overlord"})
    assert bad.status_code == 422 and f'id="role-{agent.id}-error"' in _text(bad)
    self_demote = client.post(f"/admin/users/{admin.id}/role", data={"role": "staff"})
    assert self_demote.status_code == 422 and "You cannot remove your own admin role." in _text(self_demote)
    assert client.post("/admin/users/99999/role", data={"role": "staff"}).status_code == 404
    db.session.refresh(admin)
    db.session.refresh(agent)
    assert (admin.role, agent.role) == ("admin", "staff")


def test_staff_cannot_change_roles(client, make_user, login, db):
    agent, other = make_user("staff"), make_user("staff")
    login(agent)
    assert client.post(f"/admin/users/{other.id}/role", data={"role": "admin"}).status_code == 403
    assert client.post(f"/admin/users/{agent.id}/role", data={"role": "admin"}).status_code == 403
    db.session.refresh(agent)
    assert agent.role == "staff"


# --- teams ------------------------------------------------------------------------------------

def test_admin_creates_a_team_and_manages_members(client, make_user, login, db):
    admin, agent = make_user("admin"), make_user("staff", name="li.na")
    login(admin)
    response = client.post("/admin/teams", data={"name": "信用卡 Cards"})
    assert response.status_code == 302
    team = _team(db, "信用卡-cards")
    assert response.headers["Location"].endswith(f"/admin/teams/{team.id}")
    assert "信用卡 Cards" in _text(client.get("/admin/teams"))

    duplicate = client.post("/admin/teams", data={"name": "信用卡 cards"})
    assert duplicate.status_code == 422 and "A team with this name exists." in _text(duplicate)
    assert 'value="信用卡 cards"' in _text(duplicate)

    added = client.post(f"/admin/teams/{team.id}/members", data={"username": "LI.NA", "is_team_admin": "y"})
    assert added.status_code == 302
    assert _membership(db, agent, team).is_team_admin is True
    assert "li.na" in _text(client.get(f"/admin/teams/{team.id}"))

    client.post(f"/admin/teams/{team.id}/members", data={"username": "li.na"})  # withdraw team-admin rights
    assert _membership(db, agent, team).is_team_admin is False

    unknown = client.post(f"/admin/teams/{team.id}/members", data={"username": "ghost"})
    assert unknown.status_code == 422 and "Nobody has the username ghost." in _text(unknown)
    assert 'value="ghost"' in _text(unknown)

    removed = client.post(f"/admin/teams/{team.id}/members/{agent.id}/remove")
    assert removed.status_code == 302
    assert _membership(db, agent, team) is None
    assert client.get("/admin/teams/99999").status_code == 404


def test_team_admin_manages_own_team_only(client, make_user, login, db):
    boss = make_user("staff", teams=("cards",))
    make_user("staff", teams=("loans",))
    newcomer = make_user("customer", name="newcomer")
    cards = _make_team_admin(db, boss, "cards")
    loans = _team(db, "loans")
    login(boss)

    teams_page = _text(client.get("/admin/teams"))
    assert f"/admin/teams/{cards.id}" in teams_page and f"/admin/teams/{loans.id}" not in teams_page
    assert "Create a team" not in teams_page
    assert client.get(f"/admin/teams/{cards.id}").status_code == 200
    assert client.get(f"/admin/teams/{loans.id}").status_code == 403
    assert client.get("/admin/users").status_code == 403

    assert client.post(f"/admin/teams/{cards.id}/members", data={"username": "newcomer"}).status_code == 302
    assert _membership(db, newcomer, cards) is not None
    assert client.post(f"/admin/teams/{loans.id}/members", data={"username": "newcomer"}).status_code == 403
    assert _membership(db, newcomer, loans) is None
    assert client.post(f"/admin/teams/{loans.id}/members/{newcomer.id}/remove").status_code == 403
    assert client.post("/admin/teams", data={"name": "Mortgages"}).status_code == 403
    assert _team(db, "mortgages") is None

    # Giving up their own rights, or leaving, ends their access; they land back on the site, not on a 403.
    response = client.post(f"/admin/teams/{cards.id}/members", data={"username": boss.username})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    _make_team_admin(db, boss, "cards")
    response = client.post(f"/admin/teams/{cards.id}/members/{boss.id}/remove")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get(f"/admin/teams/{cards.id}").status_code == 403


def test_member_pages_escape_names(client, make_user, login, db):
    admin = make_user("admin")
    accounts.create_user(db.session, "plain", None, display_name="<script>alert(1)</script>")
    accounts.create_team(db.session, "<b>Team</b>")
    db.session.commit()
    login(admin)
    html = _text(client.get("/admin/users")) + _text(client.get("/admin/teams"))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>Team</b>" not in html
    assert db.session.scalar(select(User).where(User.username == "plain")) is not None
