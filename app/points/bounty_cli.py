"""``flask points expire-bounties`` and ``flask points fraud-scan``: the periodic jobs, by hand."""
from __future__ import annotations

import click

from app.db import transactional
from app.extensions import db
from app.points.cli import points_group


@click.command("expire-bounties")
def expire_bounties_command():
    """Close the bounties past their week and refund half of each to its offerer."""
    from app.points.bounties import expire_bounties

    done = transactional(write=True)(expire_bounties)(db.session)
    click.echo(f"{len(done)} bounty(ies) expired and half refunded.")


@click.command("fraud-scan")
@click.option("--window-days", type=click.IntRange(1, 365), default=None,
              help="Look at upvotes of the last N days (default FRAUD_WINDOW_DAYS).")
@click.option("--threshold", type=click.IntRange(2, 10000), default=None,
              help="Upvotes from one voter for one person that count as a ring (default FRAUD_VOTE_THRESHOLD).")
def fraud_scan_command(window_days: int | None, threshold: int | None):
    """Reverse repeated upvotes between one voter and one person; flag shared-origin voting."""
    from app.points.fraud import scan

    result = transactional(write=True)(scan)(db.session, window_days=window_days, threshold=threshold)
    click.echo(f"{result.reversed_entries} vote(s) reversed; {result.repeated_cases} repeated-vote case(s), "
               f"{result.shared_cases} shared-origin case(s) queued for review.")


def add_commands() -> None:
    """Attach the commands to ``flask points`` (idempotent)."""
    for command in (expire_bounties_command, fraud_scan_command):
        if command.name not in points_group.commands:
            points_group.add_command(command)
