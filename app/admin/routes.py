"""Site and team administration: roles, teams and their members.

Site admins see everything; a team admin (``TeamMembership.is_team_admin``) manages only the
members of their own teams. Pages are guarded by ``app.admin.queries``, changes by the services.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import services as accounts
from app.web import login_required, paging, refuse
from app.accounts.services import can_manage_team
from app.admin import queries
from app.admin.forms import ROLE_LABELS, MemberForm, RoleForm, TeamForm
from app.errors import Invalid
from app.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _me():
    return current_user._get_current_object()


def _list_args() -> tuple[str, int, int]:
    """Search text and page of the user list, from the query string or the posted form."""
    source = request.form if request.method == "POST" else request.args
    page, per_page = paging(source=source)
    return source.get("q", "").strip()[:100], page, per_page


def _users_page(role_errors: dict[int, str] | None = None, status: int = 200):
    search, page, per_page = _list_args()
    users = queries.list_users(db.session, by=_me(), search=search, page=page, per_page=per_page)
    return render_template("admin/users.html", users=users, q=search, roles=ROLE_LABELS,
                           role_errors=role_errors or {}), status


def _team_page(team, form: MemberForm, status: int = 200):
    return render_template("admin/team.html", team=team, form=form,
                           members=queries.team_members(db.session, team)), status


@bp.get("/")
@login_required
def index():
    return redirect(url_for(f".{queries.admin_home(_me())}"))


@bp.get("/users")
@login_required
def users():
    return _users_page()


@bp.post("/users/<int:user_id>/role")
@login_required
def change_role(user_id: int):
    queries.require_admin(_me())
    user, form = queries.get_user(db.session, user_id), RoleForm()
    try:
        if not form.validate_on_submit():
            raise Invalid(errors={"role": " ".join(form.role.errors)})
        accounts.set_role(user, form.role.data, by=_me())
    except Invalid as err:
        db.session.rollback()
        return _users_page({user_id: str(err.errors.get("role", err.detail))}, 422)
    flash(_("%(name)s is now %(role)s.", name=user.username, role=ROLE_LABELS[user.role]), "success")
    search, page, _per_page = _list_args()
    return redirect(url_for(".users", q=search or None, page=page if page > 1 else None))


@bp.get("/teams")
@login_required
def teams():
    return _teams_page(TeamForm())


def _teams_page(form: TeamForm, status: int = 200):
    rows = queries.list_teams(db.session, by=_me())
    return render_template("admin/teams.html", rows=rows, form=form), status


@bp.post("/teams")
@login_required
def create_team():
    queries.require_admin(_me())
    form = TeamForm()
    if not form.validate_on_submit():
        return _teams_page(form, 422)
    try:
        team = accounts.create_team(db.session, form.name.data, by=_me(), slug=form.slug.data or None)
    except Invalid as err:
        refuse(form, err)
        return _teams_page(form, 422)
    flash(_("The team %(name)s is created. Add its members below.", name=team.name), "success")
    return redirect(url_for(".team", team_id=team.id))


@bp.get("/teams/<int:team_id>")
@login_required
def team(team_id: int):
    return _team_page(queries.get_team(db.session, team_id, by=_me()), MemberForm())


@bp.post("/teams/<int:team_id>/members")
@login_required
def add_member(team_id: int):
    """Add a member, or change whether an existing member is a team admin."""
    team, form = queries.get_team(db.session, team_id, by=_me()), MemberForm()
    user = accounts.find_user(db.session, form.username.data) if form.validate_on_submit() else None
    if user is None:
        if form.username.data and not form.username.errors:
            form.username.errors = [_("Nobody has the username %(name)s.", name=form.username.data)]
        return _team_page(team, form, 422)
    accounts.add_member(db.session, team, user, by=_me(), is_team_admin=form.is_team_admin.data)
    message = (_("%(name)s is a team admin of %(team)s.", name=user.username, team=team.name)
               if form.is_team_admin.data else
               _("%(name)s is a member of %(team)s.", name=user.username, team=team.name))
    flash(message, "success")
    return _back_to(team)


@bp.post("/teams/<int:team_id>/members/<int:user_id>/remove")
@login_required
def remove_member(team_id: int, user_id: int):
    team = queries.get_team(db.session, team_id, by=_me())
    user = queries.get_user(db.session, user_id)
    accounts.remove_member(db.session, team, user, by=_me())
    flash(_("%(name)s is no longer a member of %(team)s.", name=user.username, team=team.name), "success")
    return _back_to(team)


def _back_to(team):
    """The team's page, unless a team admin just removed their own rights and may not open it now."""
    if can_manage_team(_me(), team):
        return redirect(url_for(".team", team_id=team.id))
    return redirect(url_for(".index") if queries.can_open_admin(_me()) else "/")
