"""The embedded engine: SQLite FTS5 in its own database file, in-process, no server.

Storage (schema in :mod:`app.search.embedded_schema`): ``docs`` holds each document's stored
fields; ``meta`` the few columns that filters, visibility and ranking read for every
candidate; ``ft``/``fb``/``fa`` (FTS5, porter over unicode61) the analyzer's tokens of title
and tags, body, answers under the same rowid; ``terms`` and ``spell`` the vocabulary (counts,
typo keys); ``settings`` the synonym groups. Ranking: :mod:`app.search.embedded_rank`.

Several gunicorn workers may write: the file is in WAL mode, each write is one short
``BEGIN IMMEDIATE`` transaction (workers queue on the lock for up to ``busy_timeout``), and
readers never block. Connections are per thread.
"""
from __future__ import annotations

import atexit
import json
import math
import os
import shutil
import sqlite3
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from app.db.sqlite import use_wal
from app.search import embedded_rank as rank
from app.search import spell
from app.text import index_text, is_spellable
from app.search.backend import (Audience, Filters, Hit, SearchRequest, SearchResult, SearchUnavailable,
                                day_bounds)
from app.search.embedded_schema import DOC_COLUMNS, FTS_TABLES, META_COLUMNS, SCHEMA, SCHEMA_VERSION, TABLES
from app.search.fts import Compiled, Vocabulary, compile_query, parse_synonyms
from app.search.query import ParsedQuery

BATCH = 500


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: str):
        """``path``: the SQLite file (created if missing); ``:memory:`` means a private
        temporary file, removed at exit (several connections must share it)."""
        self._tmpdir = None
        if path in (":memory:", "", None):
            self._tmpdir = tempfile.mkdtemp(prefix="qaforum-search-")
            path = os.path.join(self._tmpdir, "search.db")
            atexit.register(shutil.rmtree, self._tmpdir, True)
        self.path = str(path)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._synonyms: tuple[str | None, list] = (None, [])
        self._ready = False

    # --- connections ------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            use_wal(conn.execute)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-32000")  # 32 MB: the ranking tables stay in memory
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
            if not self._ready:
                self.setup()
        return conn

    def _write(self, fn: Callable[[sqlite3.Connection], object]):
        """Run ``fn`` in one BEGIN IMMEDIATE transaction (the write lock up front, so two
        workers never deadlock upgrading from read to write)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def setup(self) -> None:
        """Create the schema, or recreate it when SCHEMA_VERSION changed (the index is derived
        data: ``flask search reindex`` refills it)."""
        self._ready = True
        if self._conn().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return

        def create(c):
            if c.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:  # not done by another worker
                for table in (*TABLES, "fts"):
                    c.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        c.execute(statement)
                c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._write(create)

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:  # closed by its thread already
                    pass
            self._conns.clear()
        self._local = threading.local()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    # --- writes -----------------------------------------------------------------------------

    def index(self, docs: Iterable[dict], *, wait: bool = True) -> None:
        docs = list(docs)
        for start in range(0, len(docs), BATCH):
            batch = [_prepare(d) for d in docs[start:start + BATCH]]
            self._write(lambda c: _store(c, batch))

    def delete(self, keys: Iterable[str], *, wait: bool = True) -> None:
        keys = list(keys)

        def run(c):
            for key in keys:
                row = c.execute("SELECT rowid FROM docs WHERE key = ?", (key,)).fetchone()
                if row:
                    _remove(c, row[0])
        if keys:
            self._write(run)

    def rebuild(self, docs: Iterable[dict], *, progress: Callable[[int], None] | None = None) -> int:
        """Empties the index, then fills it in batches (searches meanwhile see a partial index:
        the command is for repairs, run at a quiet time)."""
        self._write(lambda c: [c.execute(f"DELETE FROM {t}") for t in TABLES if t != "settings"])
        total, batch = 0, []
        for doc in docs:
            batch.append(_prepare(doc))
            if len(batch) == BATCH:
                self._write(lambda c, b=batch: _store(c, b))
                total += len(batch)
                progress and progress(len(batch))
                batch = []
        if batch:
            self._write(lambda c: _store(c, batch))
            total += len(batch)
            progress and progress(len(batch))
        for table in FTS_TABLES:  # merge the segments: faster queries after a bulk load
            self._write(lambda c, t=table: c.execute(f"INSERT INTO {t}({t}) VALUES ('optimize')"))
        return total

    def set_synonyms(self, groups: list[list[str]]) -> None:
        payload = json.dumps(groups, ensure_ascii=False)
        self._write(lambda c: c.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('synonyms', ?)",
                                        (payload,)))

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM meta").fetchone()[0]

    # --- reads ------------------------------------------------------------------------------

    def _synonym_groups(self, c: sqlite3.Connection) -> list:
        row = c.execute("SELECT value FROM settings WHERE key = 'synonyms'").fetchone()
        raw = row[0] if row else None
        if raw != self._synonyms[0]:  # changed (maybe by another worker): parse once
            self._synonyms = (raw, parse_synonyms(json.loads(raw)) if raw else [])
        return self._synonyms[1]

    def compile(self, query: ParsedQuery, c: sqlite3.Connection | None = None, *,
                eager_prefix: bool = False) -> Compiled:
        c = c or self._conn()
        return compile_query(query, _vocabulary(c), self._synonym_groups(c), eager_prefix=eager_prefix)

    def search(self, request: SearchRequest) -> SearchResult:
        with _faults():
            return self._search(request)

    def _search(self, request: SearchRequest) -> SearchResult:
        c = self._conn()
        where, params = _filters_sql(request.audience, request.filters)
        offset = (request.page - 1) * request.per_page
        result = SearchResult([], 0, request.page, request.per_page)
        if request.query.is_empty:
            result.total = c.execute(f"SELECT count(*) FROM meta m WHERE {where}", params).fetchone()[0]
            ranked = c.execute(f"SELECT m.rowid, 0.0 FROM meta m WHERE {where} ORDER BY m.created_ts DESC, "
                               "m.rowid DESC LIMIT ? OFFSET ?", [*params, request.per_page, offset]).fetchall()
            result.hits = _fetch(c, ranked)
            return result
        compiled = self.compile(request.query, c)
        result.terms, result.prefixes, result.corrected = compiled.terms, compiled.prefixes, compiled.corrected
        groups = rank.plan(compiled.groups, compiled.estimate_df(_vocabulary(c).counts), _size(c))
        args = rank.match_args(groups) + params
        rows = c.execute(rank.ranked_sql(groups, where), [*args, request.per_page, offset]).fetchall()
        if rows:
            result.total = rows[0][2]
        elif offset:  # past the last page: the window function had no row to report on
            result.total = c.execute(rank.count_sql(groups, where), args).fetchone()[0]
        result.hits = _fetch(c, [(r[0], r[1]) for r in rows])
        return result

    def suggest(self, query: ParsedQuery, audience: Audience, limit: int = 8, *,
                context: ParsedQuery | None = None, filters: Filters | None = None) -> list[Hit]:
        """Documents like a question being written: ``query`` is its title (the last word may be
        half typed), ``context`` its body so far. Ranked like a search over every field (see
        :func:`app.search.embedded_rank.suggestion_plan`), within ``filters`` (a type)."""
        if query.is_empty and (context is None or context.is_empty):
            return []
        with _faults():
            return self._suggest(query, audience, limit, context, filters or Filters())

    def _suggest(self, query: ParsedQuery, audience: Audience, limit: int, context: ParsedQuery | None,
                 filters: Filters) -> list[Hit]:
        c = self._conn()
        vocab, n_docs = _vocabulary(c), _size(c)
        # The title is compiled as a search compiles it (the same words, typo corrections and
        # synonyms; a last word being typed completes when it is not a word of the index).
        compiled = self.compile(query, c) if not query.is_empty else None
        title = rank.plan(compiled.groups, compiled.estimate_df(vocab.counts), n_docs) if compiled else []
        body_words = rank.informative(context.words, set(query.words), vocab.counts, n_docs) if context else []
        extra = [rank.word_group(word, vocab.counts([word]).get(word, 0), n_docs, rank.BODY_WEIGHT, len(title) + i)
                 for i, word in enumerate(body_words)]
        groups = title + extra
        if not groups:
            return []
        where, params = _filters_sql(audience, filters)
        # With a body, the title's words need not all be there: a duplicate says it otherwise,
        # and its body's words carry the evidence (linear coordination instead of squared).
        sql = rank.ranked_sql(groups, where, total=False, coordinated=len(title),
                              power=1 if extra else rank.COORDINATION_POWER)
        rows = c.execute(sql, [*rank.match_args(groups), *params, limit, 0]).fetchall()
        return _fetch(c, rows)


@contextmanager
def _faults():
    """The file's faults (locked past busy_timeout, unreadable, corrupt) as the port's error."""
    try:
        yield
    except sqlite3.Error as err:
        raise SearchUnavailable(f"embedded search index: {err}") from err


# --- writing helpers ------------------------------------------------------------------------------

@dataclass
class Prepared:
    """A document's rows and analyzer output, computed outside the write lock."""
    doc: dict
    row: tuple
    meta: tuple
    texts: tuple[str, str, str, str]
    words: set[str]         # distinct tokens of the document
    title_words: set[str]   # of them, those in the title or tags


ARTICLE_BONUS = 0.06  # above the 0.05 a question's score can add: an equal article ranks first


def tie_breaker(doc: dict) -> float:
    """A small factor on relevance (at most +0.26): accepted beats answered beats unanswered,
    then score (for an article: its reuses and helpful votes); a knowledge-base article, the
    canonical answer, beats a question of equal relevance. Small enough that it reorders only
    results of about equal relevance."""
    score = max(0, int(doc.get("score") or 0))
    return (0.10 * bool(doc.get("is_accepted")) + 0.05 * bool(doc.get("is_answered"))
            + 0.05 * min(math.log1p(score), 4.0) / 4.0 + ARTICLE_BONUS * (doc.get("type") == "article"))


def _prepare(doc: dict) -> Prepared:
    tags_text = " ".join(t.replace("-", " ") for t in doc["tags"])
    texts = (index_text(doc["title"]), index_text(tags_text), index_text(doc["body"]), index_text(doc["answers"]))
    words = {w for text in texts for w in text.split()}
    title_words = {w for text in texts[:2] for w in text.split()}
    stored = dict(doc, tags_json=json.dumps(doc["tags"], ensure_ascii=False))
    meta = (doc["type"], doc["visibility"], doc["team_id"], int(bool(doc["is_answered"])),
            int(bool(doc["is_accepted"])), int(doc["created_ts"] or 0), tie_breaker(doc))
    return Prepared(doc, tuple(stored[col] for col in DOC_COLUMNS), meta, texts, words, title_words)


def _store(c: sqlite3.Connection, batch: list[Prepared]) -> None:
    seen: Counter = Counter()
    eager: set[str] = set()
    for p in batch:
        row = c.execute("SELECT rowid FROM docs WHERE key = ?", (p.doc["key"],)).fetchone()
        if row:
            _remove(c, row[0])
        # A replaced document keeps its rowid: rowid order stays creation order, which the
        # ranking's windows over very common words use as "newest".
        rowid = c.execute(f"INSERT INTO docs(rowid, {', '.join(DOC_COLUMNS)}) VALUES (?{', ?' * len(p.row)})",
                          (row[0] if row else None, *p.row)).lastrowid
        c.execute(f"INSERT INTO meta(rowid, {', '.join(META_COLUMNS)}) VALUES (?{', ?' * len(p.meta)})",
                  (rowid, *p.meta))
        title, tags, body, answers = p.texts
        c.execute("INSERT INTO ft(rowid, title, tags) VALUES (?, ?, ?)", (rowid, title, tags))
        c.execute("INSERT INTO fb(rowid, body) VALUES (?, ?)", (rowid, body))
        c.execute("INSERT INTO fa(rowid, answers) VALUES (?, ?)", (rowid, answers))
        c.executemany("INSERT OR IGNORE INTO doc_tags(tag, rowid) VALUES (?, ?)", [(t, rowid) for t in p.doc["tags"]])
        seen.update(p.words)
        eager |= p.title_words
    _add_terms(c, seen, eager)


def _remove(c: sqlite3.Connection, rowid: int) -> None:
    for table in (*FTS_TABLES, "doc_tags", "meta", "docs"):
        c.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))


def _add_terms(c: sqlite3.Connection, seen: Counter, eager: set[str]) -> None:
    """Count the documents each token was seen in (estimates which words are too common to
    rank by, orders completions and corrections; counts only grow, a rebuild resets them),
    and give correctable words their deletion keys: words of titles and tags at once, others
    once seen in two documents (a word of one body only is more often a typo or a name than
    something people search for with typos)."""
    c.executemany("INSERT INTO terms(term, n) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET n = n + excluded.n",
                  list(seen.items()))
    words = [w for w in seen if is_spellable(w) and len(w) >= spell.ONE_TYPO_FROM - 1]
    due: list[str] = []
    for i in range(0, len(words), 500):
        chunk = words[i:i + 500]
        due += [t for t, n in c.execute(
            f"SELECT term, n FROM terms WHERE spelled = 0 AND term IN ({','.join('?' * len(chunk))})", chunk)
            if n >= 2 or t in eager]
    c.executemany("INSERT OR IGNORE INTO spell(del, term) VALUES (?, ?)",
                  [(k, w) for w in due for k in spell.term_keys(w)])
    c.executemany("UPDATE terms SET spelled = 1 WHERE term = ?", [(w,) for w in due])


# --- reading helpers ------------------------------------------------------------------------------

def _vocabulary(c: sqlite3.Connection) -> Vocabulary:
    def counts(words):
        out: dict[str, int] = {}
        for i in range(0, len(words), 500):
            chunk = list(words[i:i + 500])
            out.update(c.execute(f"SELECT term, n FROM terms WHERE term IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def completions(prefix, limit):
        return [r[0] for r in c.execute("SELECT term FROM terms WHERE term > ? AND term < ? ORDER BY n DESC LIMIT ?",
                                        (prefix, prefix + "\U0010ffff", limit))]

    def spell_candidates(keys):
        keys = list(keys)
        return dict(c.execute(f"SELECT t.term, t.n FROM spell s JOIN terms t ON t.term = s.term "
                              f"WHERE s.del IN ({','.join('?' * len(keys))})", keys))
    return Vocabulary(counts, completions, spell_candidates)


def _size(c: sqlite3.Connection) -> int:
    """Documents in the index (decides what counts as a common word)."""
    return c.execute("SELECT count(*) FROM meta").fetchone()[0]


def _filters_sql(audience: Audience, f: Filters) -> tuple[str, list]:
    """WHERE clause on ``meta m``: the audience's visibility first, then the user's filters."""
    parts, params = [], []
    if not audience.everything:
        if not audience.staff:
            parts.append("m.visibility = 'public'")
        else:
            teams = ",".join(str(int(t)) for t in audience.team_ids) or "NULL"
            parts.append(f"(m.visibility IN ('public', 'internal') OR (m.visibility = 'team' AND "
                         f"m.team_id IN ({teams})))")
    for tag in f.tags:
        parts.append("m.rowid IN (SELECT rowid FROM doc_tags WHERE tag = ?)")
        params.append(tag)
    status = {"answered": "m.is_answered = 1", "unanswered": "m.is_answered = 0",
              "accepted": "m.is_accepted = 1"}.get(f.status or "")
    if status:
        parts.append(status)
    for column, value in (("type", f.type), ("visibility", f.visibility), ("team_id", f.team_id)):
        if value is not None:
            parts.append(f"m.{column} = ?")
            params.append(value)
    start, end = day_bounds(f.date_from, f.date_to)
    if start is not None:
        parts.append("m.created_ts >= ?")
        params.append(start)
    if end is not None:
        parts.append("m.created_ts < ?")
        params.append(end)
    return " AND ".join(parts) or "1", params


def _fetch(c, ranked: list[tuple[int, float]]) -> list[Hit]:
    """The stored documents of ``ranked`` (rowid, relevance) rows, in that order."""
    if not ranked:
        return []
    rows = {r[0]: r for r in c.execute(f"SELECT rowid, {', '.join(DOC_COLUMNS)} FROM docs WHERE rowid IN "
                                       f"({','.join('?' * len(ranked))})", [r for r, _ in ranked])}
    return [_hit(rows[rowid], score) for rowid, score in ranked if rowid in rows]


def _hit(row, score: float) -> Hit:
    doc = {col: row[i + 1] for i, col in enumerate(DOC_COLUMNS)}
    doc["tags"] = json.loads(doc.pop("tags_json") or "[]")
    for flag in ("is_answered", "is_accepted", "is_closed"):
        doc[flag] = bool(doc[flag])
    return Hit(doc=doc, score=float(score or 0.0))
