"""The embedded engine's own guarantees: several processes write one file safely (as gunicorn
workers do), a schema change rebuilds the tables, typo keys follow the vocabulary."""
import multiprocessing
import sqlite3

from app.search.backend import Audience, SearchRequest
from app.search.embedded import EmbeddedBackend
from app.search.embedded_schema import SCHEMA_VERSION
from app.search.query import parse_query
from tests.integration.test_search_contract import doc

WORKERS, DOCS_EACH = 4, 40


def _writer(path: str, worker: int) -> None:
    backend = EmbeddedBackend(path)
    for i in range(DOCS_EACH):  # one short transaction per document, like the after-commit indexer
        n = worker * 1000 + i
        backend.index([doc(n, f"Worker {worker} question {i} about overdraft fees", f"Body {n}")])
        if i % 10 == 9:
            backend.delete([f"question-{n - 5}"])
    backend.close()


def test_several_processes_write_and_read_one_index(tmp_path):
    path = str(tmp_path / "search.db")
    EmbeddedBackend(path).setup()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, w)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    reader = EmbeddedBackend(path)
    while any(p.is_alive() for p in procs):  # readers are never blocked by the writers
        reader.search(SearchRequest(parse_query("overdraft"), Audience()))
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    deleted = WORKERS * len(range(9, DOCS_EACH, 10))
    assert reader.count() == WORKERS * DOCS_EACH - deleted
    result = reader.search(SearchRequest(parse_query("overdraft fees"), Audience(), per_page=100))
    assert result.total == WORKERS * DOCS_EACH - deleted
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_new_schema_version_recreates_the_tables(tmp_path):
    path = str(tmp_path / "search.db")
    backend = EmbeddedBackend(path)
    backend.index([doc(1, "Old layout")])
    backend.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION - 1}")
    conn.close()
    fresh = EmbeddedBackend(path)
    assert fresh.count() == 0  # emptied: `flask search reindex` refills it
    fresh.index([doc(2, "New layout")])
    assert fresh.count() == 1


def test_memory_path_is_a_private_temporary_file():
    a, b = EmbeddedBackend(":memory:"), EmbeddedBackend(":memory:")
    a.index([doc(1, "Only in a")])
    assert a.count() == 1 and b.count() == 0 and a.path != b.path
    a.close()
    b.close()


def test_body_only_words_become_correctable_once_they_recur(tmp_path):
    backend = EmbeddedBackend(str(tmp_path / "s.db"))
    backend.index([doc(1, "Quokka sightings", "unusualword appears here")])
    assert backend.search(SearchRequest(parse_query("unusualwrod"), Audience())).total == 0
    backend.index([doc(2, "Other title", "unusualword again")])
    assert backend.search(SearchRequest(parse_query("unusualwrod"), Audience())).total == 2
    assert backend.search(SearchRequest(parse_query("quokkas sightigns"), Audience())).total == 1  # title: at once
