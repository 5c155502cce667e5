"""``flask search ...``: rebuild the index. (``evaluate`` joins this group from the lab:
app/lab/cli.py.)"""
from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from app.extensions import db

search_cli = AppGroup("search", help="Search index and relevance.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database (every registered document source: questions,
    and articles once the knowledge base registers them) and push the synonym list. Safe to run
    at any time; searches see a partial index while it runs."""
    from app.search import get_backend
    from app.search.backend import SearchUnavailable
    from app.search.indexer import all_documents, count_all
    from app.search.synonyms import all_groups

    started = time.perf_counter()
    try:
        backend = get_backend()
        total = count_all(db.session)
        with click.progressbar(length=total, label=f"Indexing ({backend.name})", file=sys.stderr,
                               show_pos=True) as bar:
            indexed = backend.rebuild(all_documents(db.session), progress=bar.update)
        backend.set_synonyms(all_groups(db.session))
    except SearchUnavailable as err:
        raise click.ClickException(f"the search engine is unavailable: {err}") from None
    finally:
        db.session.rollback()  # read only
    click.echo(f"Indexed {indexed} documents with {backend.name} in {time.perf_counter() - started:.1f} s.")
