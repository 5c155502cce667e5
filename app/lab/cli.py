"""The harnesses' commands, under the domains' command groups so their names stay
``flask experts replay|evaluate`` and ``flask search evaluate`` (API.md).

:func:`register_lab_commands` adds them to the groups; ``app.cli.register_cli`` calls it. The
groups are module-level objects, so adding is idempotent (a command replaces its namesake).
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime

import click


def _parse_until(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO date, e.g. 2019-01-01") from None


@click.command("replay")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write one JSON line per routed question.")
@click.option("--until", help="Stop before this date (ISO).")
@click.option("--site", help="Site host (default: from DIR's name).")
@click.option("--database", help="Replay into this database URL instead of a temporary SQLite file.")
def experts_replay_command(directory: str, out: str, until: str | None, site: str | None,
                           database: str | None) -> None:
    """Replay the Stack Exchange dump in DIRECTORY in time order through the app's services on a
    fresh database, asking the router at every question with only the past available."""
    from app.importer.stackexchange import ImportFormatError, detect_site
    from app.lab.experts_replay import Replayer, history, scratch_app

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


@click.command("evaluate")
@click.argument("jsonl", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--bootstrap", default=1000, show_default=True, help="Bootstrap rounds for the 95% intervals.")
@click.option("--seed", default=7, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON too.")
def experts_evaluate_command(jsonl: str, directory: str, bootstrap: int, seed: int, as_json: bool) -> None:
    """Routing metrics of a replay (FILE.jsonl) against the dump's real history, with baselines."""
    from flask import current_app

    from app.lab.experts_evaluate import EvaluationInputError, evaluate, format_report

    try:
        report = evaluate(jsonl, directory, bootstrap=bootstrap, seed=seed,
                          daily_cap=current_app.config.get("EXPERTS_DAILY_NOTIFICATIONS"))
    except EvaluationInputError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    click.echo(format_report(report))
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))


@click.command("evaluate")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--site", help="Site host (default: from DIR's name).")
@click.option("--seed", default=13, show_default=True, help="Seed of the injected typos.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON too.")
def search_evaluate_command(directory: str, site: str | None, seed: int, as_json: bool) -> None:
    """Import the Stack Exchange dump in DIRECTORY into a fresh temporary database, index it,
    and print known-item, duplicate and typo figures next to a plain BM25 reference."""
    from app.lab.search_evaluate import format_report, run_evaluation

    report = run_evaluation(directory, site=site, seed=seed, echo=lambda m: click.echo(m, err=True))
    click.echo(format_report(report))
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))


def register_lab_commands() -> None:
    """Add the harnesses to ``flask experts`` and ``flask search``."""
    from app.experts.cli import experts_cli
    from app.search.cli import search_cli

    experts_cli.add_command(experts_replay_command)
    experts_cli.add_command(experts_evaluate_command)
    search_cli.add_command(search_evaluate_command)
