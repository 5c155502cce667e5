"""Schema of the embedded engine's own SQLite file (not the forum database: the index is
derived data, rebuilt by ``flask search reindex``, so it needs no migrations: a changed
SCHEMA_VERSION drops and recreates the tables, and the command refills them)."""

SCHEMA_VERSION = 5

# Stored columns of ``docs`` (what a result shows; tags as JSON).
DOC_COLUMNS = ("key", "type", "id", "slug", "title", "tags_json", "body", "answers", "visibility",
               "team_id", "is_answered", "is_accepted", "is_closed", "score", "answer_count",
               "created_at", "created_ts", "source_url")
# Columns of ``meta``: what filters, visibility and ranking read for every candidate. A table
# of its own keeps these rows small and dense (the ranking query never touches the texts).
META_COLUMNS = ("type", "visibility", "team_id", "is_answered", "is_accepted", "created_ts", "boost")

# Tokens come pre-segmented by app.text (so unicode61 only splits on spaces);
# porter stems English words and leaves Chinese alone. One table per field: see
# embedded_rank.py for why. Statements are split on ";".
TABLES = ("docs", "meta", "doc_tags", "ft", "fb", "fa", "terms", "spell", "settings")
FTS_TABLES = ("ft", "fb", "fa")

SCHEMA = """
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    id INTEGER NOT NULL,
    slug TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    tags_json TEXT NOT NULL DEFAULT '[]',
    body TEXT NOT NULL DEFAULT '',
    answers TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL,
    team_id INTEGER,
    is_answered INTEGER NOT NULL DEFAULT 0,
    is_accepted INTEGER NOT NULL DEFAULT 0,
    is_closed INTEGER NOT NULL DEFAULT 0,
    score INTEGER NOT NULL DEFAULT 0,
    answer_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT,
    created_ts INTEGER NOT NULL DEFAULT 0,
    source_url TEXT
);
CREATE TABLE meta (
    rowid INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    visibility TEXT NOT NULL,
    team_id INTEGER,
    is_answered INTEGER NOT NULL,
    is_accepted INTEGER NOT NULL,
    created_ts INTEGER NOT NULL,
    boost REAL NOT NULL
);
CREATE INDEX ix_meta_created ON meta (created_ts);
CREATE TABLE doc_tags (tag TEXT NOT NULL, rowid INTEGER NOT NULL, PRIMARY KEY (tag, rowid)) WITHOUT ROWID;
CREATE INDEX ix_doc_tags_rowid ON doc_tags (rowid);
CREATE VIRTUAL TABLE ft USING fts5 (title, tags, tokenize = 'porter unicode61 remove_diacritics 0',
    prefix = '2 3');
CREATE VIRTUAL TABLE fb USING fts5 (body, tokenize = 'porter unicode61 remove_diacritics 0', prefix = '2 3');
CREATE VIRTUAL TABLE fa USING fts5 (answers, tokenize = 'porter unicode61 remove_diacritics 0', prefix = '2 3');
CREATE TABLE terms (term TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0,
    spelled INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE spell (del TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (del, term)) WITHOUT ROWID;
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
"""
