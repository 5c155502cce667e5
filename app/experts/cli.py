"""``flask experts ...``: route questions that were missed.

``replay`` and ``evaluate`` join this group from the lab (app/lab/cli.py): they build a scratch
app and read dumps, which no domain does."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db

experts_cli = AppGroup("experts", help="Expertise graph and question routing.")


@experts_cli.command("route-pending")
@click.option("--days", default=7, show_default=True, help="Only questions asked in the last N days.")
def route_pending_command(days: int) -> None:
    """Route open questions that have no routing decision (a failed background job, an import)."""
    from datetime import timedelta

    from app.db import unit_of_work, utcnow
    from app.experts.models import RoutingDecision
    from app.experts.routing import route_question
    from app.forum.models import Question

    since = utcnow() - timedelta(days=days)
    pending = list(db.session.scalars(
        select(Question.id).where(Question.deleted_at.is_(None), Question.closed_at.is_(None),
                                  Question.accepted_answer_id.is_(None), Question.created_at >= since,
                                  ~Question.id.in_(select(RoutingDecision.question_id)))
        .order_by(Question.id)))
    db.session.rollback()  # the list was read; each question is routed in a writing unit of its own
    for question_id in pending:  # a failure leaves the questions before it routed
        with unit_of_work(db.session, write=True):
            route_question(db.session, db.session.get(Question, question_id))
    click.echo(f"Routed {len(pending)} questions.")


@experts_cli.command("snapshot")
def snapshot_command() -> None:
    """Load the expertise index from the database and save it (app/experts/snapshot.py), so that
    the next web processes start with it instead of loading every answer (run after an import)."""
    import time

    from flask import current_app

    from app.experts.index import ExpertiseIndex
    from app.experts.snapshot import path_for

    path = path_for(current_app)
    if path is None:
        raise click.ClickException("No snapshot for this database (in memory, or EXPERTS_SNAPSHOT=0).")
    path.unlink(missing_ok=True)  # a full load: this command exists to make a fresh one
    started = time.perf_counter()
    index = ExpertiseIndex(snapshot=path)
    index.sync(db.session, refresh_authority=False)
    db.session.rollback()
    size = path.stat().st_size / 1024 / 1024 if path.exists() else 0
    click.echo(f"Expertise index at event {index.watermark} saved to {path} ({size:.1f} MiB) "
               f"in {time.perf_counter() - started:.1f} s.")
