"""``flask qa import-stackexchange DIR [--site HOST]``: one transaction, committed at the end."""
from __future__ import annotations

import sys
import time

import click
from sqlalchemy.exc import SQLAlchemyError

from app.db import unit_of_work
from app.extensions import db
from app.importer.loader import import_dump
from app.importer.scan import scan_dump
from app.importer.stackexchange import ImportFormatError, detect_site


@click.command("import-stackexchange")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=str))
@click.option("--site", help="Site host, e.g. beer.stackexchange.com (default: from DIR's name; "
                             "a bare name like 'beer' means beer.stackexchange.com).")
def import_stackexchange_command(directory: str, site: str | None) -> None:
    """Import the Stack Exchange dump in DIR (Posts.xml and Users.xml required;
    Comments, Votes, PostLinks and Tags used when present). Running it again adds nothing.
    A missing or malformed file stops the import with nothing written (exit code 1)."""
    started = time.perf_counter()
    try:
        host = detect_site(directory, site)
    except ValueError as err:
        raise click.ClickException(f"{err}. Nothing was imported.") from None
    try:
        click.echo(f"Checking {directory} ...", err=True)
        scan = scan_dump(directory, host)
        click.echo(f"{scan.site}: {scan.users} users, {scan.questions} questions, {scan.answers} answers, "
                   f"{scan.comments} comments in the dump", err=True)
        # One unit, never retried: a failed import writes nothing and is simply run again.
        with unit_of_work(db.session, write=True), \
                click.progressbar(length=scan.load_rows, label="Importing", file=sys.stderr, show_pos=True) as bar:
            report = import_dump(db.session, directory, scan=scan, progress=bar.update)
        report.seconds = time.perf_counter() - started  # wall time: scan, load and commit
    except ImportFormatError as err:
        raise click.ClickException(f"{err}. Nothing was imported.") from None
    except SQLAlchemyError as err:
        raise click.ClickException(f"database error, nothing was imported: {err.__class__.__name__}: "
                                   f"{str(err).splitlines()[0][:300]}") from None
    click.echo(f"Imported {report.summary()}")
    if report.questions or report.answers:  # the bulk path sends no signals, so nothing was indexed
        click.echo("Run `flask search reindex` to make the imported posts searchable.", err=True)
