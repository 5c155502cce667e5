"""``flask search ...``: rebuild the index, evaluate relevance."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.extensions import db

search_cli = AppGroup("search", help="Search index and relevance.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database (every live question) and push the
    synonym list. Safe to run at any time; searches see a partial index while it runs."""
    from app.forum.models import Question
    from app.search import get_backend
    from app.search.indexer import all_documents
    from app.search.synonyms import all_groups

    started = time.perf_counter()
    backend = get_backend()
    total = db.session.scalar(select(func.count()).select_from(Question).where(Question.deleted_at.is_(None)))
    with click.progressbar(length=total, label=f"Indexing ({backend.name})", file=sys.stderr,
                           show_pos=True) as bar:
        indexed = backend.rebuild(all_documents(db.session), progress=bar.update)
    backend.set_synonyms(all_groups(db.session))
    db.session.rollback()  # read only
    click.echo(f"Indexed {indexed} documents with {backend.name} in {time.perf_counter() - started:.1f} s.")


@search_cli.command("evaluate")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--site", help="Site host (default: from DIR's name).")
@click.option("--seed", default=13, show_default=True, help="Seed of the injected typos.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON too.")
def evaluate_command(directory: str, site: str | None, seed: int, as_json: bool) -> None:
    """Import the Stack Exchange dump in DIRECTORY into a fresh temporary database, index it,
    and print known-item, duplicate and typo figures next to a plain BM25 reference."""
    from app.search.evaluate import format_report, run_evaluation

    report = run_evaluation(directory, site=site, seed=seed, echo=lambda m: click.echo(m, err=True))
    click.echo(format_report(report))
    if as_json:
        import json

        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
