"""``flask qa ...`` commands. Each command is one unit of work (``app.db.transactional``),
committed at its end; a DomainError becomes a one-line error and exit code 1."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.accounts import services as accounts
from app.db import transactional
from app.errors import DomainError
from app.extensions import db

qa = AppGroup("qa", help="Forum administration.")


def _fail(err: DomainError) -> None:
    fields = "; ".join(f"{k}: {v}" for k, v in err.errors.items())
    raise click.ClickException(f"{err.detail}{' (' + fields + ')' if fields else ''}")


@qa.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(["customer", "staff", "expert", "moderator", "admin"]),
              default="customer", show_default=True)
@click.option("--team", "teams", multiple=True, help="Team slug or name (repeatable; created if missing).")
@click.option("--password", help="Omit for an account that only uses API tokens.")
@click.option("--display-name")
@click.option("--print-token", is_flag=True, help="Create an API token and print it as the last line.")
def create_user_command(name, role, teams, password, display_name, print_token):
    try:
        user, token = _create_user(name, role, teams, password, display_name, print_token)
    except DomainError as err:
        _fail(err)
    click.echo(f"created user {user.username} (id {user.id}, role {user.role})")
    if token:
        click.echo(token)


@transactional(write=True)
def _create_user(name, role, teams, password, display_name, print_token):
    """Create a user NAME with a role, teams and optionally an API token."""
    from sqlalchemy import select

    from app.accounts.models import Team
    from app.markup import slugify

    # One entry per slug: "--team Cards --team cards" must not add the same membership twice.
    # 64 is the slug column's length, as in create_team, so a long name finds the team it created.
    slugs = {}
    for team in teams:
        slugs.setdefault(slugify(team, 64), team)
    for slug, team in slugs.items():
        if db.session.scalar(select(Team.id).where(Team.slug == slug)) is None:
            accounts.create_team(db.session, team)
    user = accounts.create_user(db.session, name, password, role=role, display_name=display_name,
                                teams=list(slugs))
    token = accounts.create_token(db.session, user, "cli")[1] if print_token else None
    db.session.flush()
    return user, token


@qa.command("create-team")
@click.argument("name")
@click.option("--slug")
def create_team_command(name, slug):
    """Create a team (business line)."""
    try:
        team = transactional(write=True)(accounts.create_team)(db.session, name, slug=slug)
    except DomainError as err:
        _fail(err)
    click.echo(f"created team {team.slug} (id {team.id})")


@qa.command("seed-demo")
@click.option("--admin-password", default="admin12345", show_default=True)
def seed_demo_command(admin_password):
    """Create the demo admin and demo content if the database has no users."""
    from app.demo import DEMO_PASSWORD, seed_demo

    created = transactional(write=True)(seed_demo)(db.session, admin_password)
    if created:
        click.echo(f"Demo data created. Log in as admin / {admin_password} "
                   f"(other demo users, e.g. li.na, wang.wei: password {DEMO_PASSWORD})")
    else:
        click.echo("Database already has users; demo data not added. (Demo login: admin / "
                   f"{admin_password} if it was seeded earlier.)")


def register_cli(app: Flask) -> None:
    from app import jobs
    from app.experts.cli import experts_cli
    from app.importer.cli import import_stackexchange_command
    from app.lab.cli import register_lab_commands
    from app.points.cli import points_group
    from app.search.cli import search_cli

    qa.add_command(import_stackexchange_command)
    app.cli.add_command(qa)
    app.cli.add_command(points_group)
    app.cli.add_command(search_cli)
    app.cli.add_command(experts_cli)
    register_lab_commands()
    jobs.init_app(app)  # flask jobs worker | run | list
