"""``flask experts ...``: replay history, evaluate routing, route questions that were missed."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db

experts_cli = AppGroup("experts", help="Expertise graph and question routing.")


def _parse_until(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO date, e.g. 2019-01-01") from None


@experts_cli.command("replay")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write one JSON line per routed question.")
@click.option("--until", help="Stop before this date (ISO).")
@click.option("--site", help="Site host (default: from DIR's name).")
@click.option("--database", help="Replay into this database URL instead of a temporary SQLite file.")
def replay_command(directory: str, out: str, until: str | None, site: str | None, database: str | None) -> None:
    """Replay the Stack Exchange dump in DIRECTORY in time order through the app's services on a
    fresh database, asking the router at every question with only the past available."""
    from app.experts.replay import Replayer, history, scratch_app
    from app.importer.stackexchange import ImportFormatError, detect_site

    try:
        host = detect_site(directory, site)
        click.echo(f"Reading {directory} ...", err=True)
        events = history(directory, _parse_until(until))
    except (ImportFormatError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    app = scratch_app(database)
    started = time.perf_counter()
    with app.app_context(), open(out, "w", encoding="utf-8") as fh:
        from app.extensions import db as scratch_db

        replayer = Replayer(scratch_db.session, host)
        scratch_db.session.commit()

        def write(line: dict) -> None:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")

        with click.progressbar(length=len(events), label="Replaying", file=sys.stderr, show_pos=True) as bar:
            stats = replayer.run(events, write, bar.update)
    took = time.perf_counter() - started
    click.echo(f"Replayed {len(events)} events in {took:.1f} s: {stats.questions} questions "
               f"({stats.routed} routed, {stats.notified} notifications), {stats.answers} answers, "
               f"{stats.accepts} acceptances, {stats.votes} votes, {stats.comments} comments.")
    for reason, n in sorted(stats.skipped.items()):
        click.echo(f"  skipped {n}: {reason}")
    click.echo(f"Wrote {out}")


@experts_cli.command("evaluate")
@click.argument("jsonl", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--bootstrap", default=1000, show_default=True, help="Bootstrap rounds for the 95% intervals.")
@click.option("--seed", default=7, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON too.")
def evaluate_command(jsonl: str, directory: str, bootstrap: int, seed: int, as_json: bool) -> None:
    """Routing metrics of a replay (FILE.jsonl) against the dump's real history, with baselines."""
    from flask import current_app

    from app.experts.evaluate import EvaluationInputError, evaluate, format_report

    try:
        report = evaluate(jsonl, directory, bootstrap=bootstrap, seed=seed,
                          daily_cap=current_app.config.get("EXPERTS_DAILY_NOTIFICATIONS"))
    except EvaluationInputError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    click.echo(format_report(report))
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))


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
