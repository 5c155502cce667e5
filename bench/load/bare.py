"""The reference page of the load benchmark: bare Flask over the same database.

One route, ``/``: the 30 newest public questions read with the raw driver (sqlite3, or psycopg
for PostgreSQL) and rendered with one compiled Jinja template. No ORM, no session, no login, no
translations: the floor a Flask page on this machine and this data cannot beat, against which
the forum's pages are measured (bench/load/run.py serves both in the same run).

    DATABASE_URL=sqlite:///bench/out/beer.db gunicorn -w 2 -b 127.0.0.1:9000 bench.load.bare:app
"""
from __future__ import annotations

import os
import threading

from flask import Flask

app = Flask(__name__)
_URL = os.environ["DATABASE_URL"]
_local = threading.local()
_SQL = ("SELECT id, title, score, answer_count, created_at FROM questions "
        "WHERE deleted_at IS NULL AND visibility = 'public' ORDER BY created_at DESC, id DESC LIMIT 30")
_PAGE = app.jinja_env.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Questions</title></head>
<body><h1>Questions</h1>
<ol>{% for id, title, score, answers, created in rows %}
<li><a href="/questions/{{ id }}">{{ title }}</a> <span>{{ score }} votes</span>
<span>{{ answers }} answers</span> <time>{{ created }}</time></li>{% endfor %}
</ol></body></html>""")


def _connection():
    # One connection per worker thread, as the forum's pool keeps them open too.
    conn = getattr(_local, "conn", None)
    if conn is None:
        if _URL.startswith("sqlite:///"):
            import sqlite3
            conn = sqlite3.connect(_URL.removeprefix("sqlite:///"), check_same_thread=False)
        else:
            import psycopg
            conn = psycopg.connect(_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        _local.conn = conn
    return conn


@app.get("/")
def index():
    cursor = _connection().cursor()
    cursor.execute(_SQL)
    rows = cursor.fetchall()
    cursor.close()
    return _PAGE.render(rows=rows)
