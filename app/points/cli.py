"""``flask points verify`` and ``flask points rebuild``: the cached totals against the ledger."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.db import intent, transactional
from app.extensions import db

points_group = AppGroup("points", help="Points ledger maintenance.")


@points_group.command("verify")
def verify_command():
    """Compare every user's cached points with their ledger sum; exit 1 on any mismatch."""
    from app.points.queries import verify

    with intent(False):
        mismatches = verify(db.session)
        db.session.rollback()  # read only: end the transaction
    for m in mismatches:
        click.echo(f"user {m.user_id} ({m.username}): cached {m.cached}, ledger {m.ledger}, "
                   f"off by {m.cached - m.ledger:+d}")
    if mismatches:
        click.echo(f"{len(mismatches)} mismatch(es); run `flask points rebuild` to repair.", err=True)
        sys.exit(1)
    click.echo("OK: every cached total equals its ledger sum.")


@points_group.command("rebuild")
def rebuild_command():
    """Set each cached total to its ledger sum (one transaction); print how many changed."""
    from app.points.ledger import rebuild_totals

    changed = transactional(write=True)(rebuild_totals)(db.session)
    for user_id, old, new in changed:
        click.echo(f"user {user_id}: {old} -> {new}")
    click.echo(f"{len(changed)} cached total(s) changed.")


@points_group.command("award")
@click.argument("username")
@click.argument("amount")
@click.option("--reason", required=True, help="Why (shown in the user's points history).")
@click.option("--as", "actor", default=None, help="The admin recorded as actor (default: the first admin).")
@click.option("--key", default=None, help="Idempotency key; a repeated key adds nothing (default: a fresh one).")
def award_command(username, amount, reason, actor, key):
    """Award AMOUNT points to USERNAME (negative: deduct), as a manual ledger entry."""
    from sqlalchemy import select

    from app.accounts.models import Role, User
    from app.accounts.services import find_user
    from app.errors import Invalid
    from app.points.manual import award_manually, new_key

    def run(session):
        admin = (find_user(session, actor) if actor else
                 session.scalar(select(User).where(User.role == Role.admin.value).order_by(User.id).limit(1)))
        if admin is None or not admin.is_admin:
            raise click.ClickException(f"{actor or 'an admin'}: no such admin; pass --as ADMIN_USERNAME")
        return award_manually(session, user=find_user(session, username), amount=amount, reason=reason,
                              by=admin, key=key or new_key())

    try:
        entry, created = transactional(write=True)(run)(db.session)
    except Invalid as err:
        for name, message in err.errors.items():
            click.echo(f"{name}: {message}", err=True)
        raise click.ClickException(str(err.detail)) from None
    if created:
        click.echo(f"user {entry.user_id}: {entry.amount:+d} points recorded (entry {entry.id}).")
    else:
        click.echo(f"already recorded as entry {entry.id}; nothing added.")


@points_group.command("award-badges")
def award_badges_command():
    """Evaluate every badge for every user (after an import); idempotent: a rerun awards nothing."""
    from app.points.badge_awards import backfill

    awarded = transactional(write=True)(backfill)(db.session)
    click.echo(f"{awarded} badge(s) awarded.")
