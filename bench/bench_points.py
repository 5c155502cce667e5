"""Points figures at a million ledger entries (prints them, asserts nothing).

    .venv/bin/python bench/bench_points.py                                   # SQLite, bench/out/points-1000000.db
    .venv/bin/python bench/bench_points.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_points.py --entries 100000 --reps 10 --fresh

1. A database with ``--entries`` ledger entries, written in bulk through SQLAlchemy Core (the
   ledger's one-entry-at-a-time path would take hours): 5,000 users (1% deactivated) in 10 teams,
   200 tags, 50,000 questions (80% public, 15% internal, 5% team) with one to three tags each,
   and entries spread over the last 400 days with the rules' amounts and mix (upvotes most,
   accepts, downvotes and their cost, 3% reversals), 5% tied to no question. The users' cached
   totals are then set from the ledger, as ``flask points rebuild`` would. SQLite files are kept
   in bench/out; on PostgreSQL everything goes into its own schema ``bench_points``, never
   touching the database's other tables. Either is reused by the next run (``--fresh`` rebuilds).
2. ``points verify`` (``app.points.queries.verify``, what the command runs): best of 3.
3. Leaderboard page 1 (20 rows, with the count ``total``) for each period, overall, per tag
   (one of the ten busiest tags, a different one each call) and per team, for an anonymous
   visitor (public activity only: the visibility join) and for a moderator (everything):
   ``--reps`` calls each after one warm-up, p50 / p95 / max in ms. Then ``rank_of`` (a
   profile's rank fact) the same way.
"""
from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

USERS, TEAMS, TAGS, QUESTIONS = 5000, 10, 200, 50_000
CHUNK = 20_000
SCHEMA = "bench_points"
NOW = datetime(2026, 12, 6, 12, 0, 0)


def _app(url: str):
    from app import create_app
    from config import Config

    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"options": f"-csearch_path={SCHEMA}"}
    return create_app(Config, SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options,
                      JOBS_MODE="inline", SCHEDULER_ENABLED=False, SEARCH_INDEX_ON_WRITE=False,
                      SEARCH_DB_PATH=":memory:")


def _reason_mix(rng: random.Random):
    """(reason, amount, on an answer?) in roughly the proportions a live forum has."""
    roll = rng.random()
    if roll < 0.55:
        return "answer_upvoted", 10, True
    if roll < 0.75:
        return "question_upvoted", 5, False
    if roll < 0.85:
        return "answer_accepted", 15, True
    if roll < 0.90:
        return "accepted_answer", 2, True
    if roll < 0.95:
        return "answer_downvoted", -2, True
    return "downvote_cast", -1, True


def generate(url: str, entries: int, seed: int = 11) -> None:
    from sqlalchemy import func, insert, select, text, update

    from app.accounts.models import Team, TeamMembership, User
    from app.extensions import db
    from app.forum.models import Question, QuestionTag, Tag
    from app.points.models import PointsEntry

    rng = random.Random(seed)
    app = _app(url)
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        db.create_all()
        s = db.session
        s.execute(insert(Team), [{"id": i, "slug": f"team{i}", "name": f"Team {i}"} for i in range(1, TEAMS + 1)])
        roles = ["customer"] * 5 + ["staff"] * 3 + ["expert"] * 2
        s.execute(insert(User), [{"id": i, "username": f"user{i}", "display_name": f"User {i}",
                                  "role": rng.choice(roles), "is_active_account": rng.random() > 0.01}
                                 for i in range(1, USERS + 1)])
        s.execute(insert(TeamMembership), [{"user_id": i, "team_id": 1 + i % TEAMS, "is_team_admin": i <= TEAMS}
                                           for i in range(1, USERS + 1) if i % 4])
        s.execute(insert(Tag), [{"id": i, "name": f"tag-{i}"} for i in range(1, TAGS + 1)])
        questions, links = [], []
        for qid in range(1, QUESTIONS + 1):
            roll = rng.random()
            visibility = "public" if roll < 0.8 else "internal" if roll < 0.95 else "team"
            questions.append({"id": qid, "title": f"Question {qid}", "slug": f"question-{qid}",
                              "body_md": "x", "body_html": "<p>x</p>", "author_id": rng.randint(1, USERS),
                              "visibility": visibility, "team_id": rng.randint(1, TEAMS) if visibility == "team" else None,
                              "created_at": NOW - timedelta(days=400)})
            # Zipf-like tags: a few busy ones, a long tail.
            for pos, tag in enumerate(sorted({min(TAGS, int(rng.paretovariate(1.0))) for _ in range(rng.randint(1, 3))})):
                links.append({"question_id": qid, "tag_id": tag, "position": pos})
        for start in range(0, len(questions), CHUNK):
            s.execute(insert(Question), questions[start:start + CHUNK])
        for start in range(0, len(links), CHUNK):
            s.execute(insert(QuestionTag), links[start:start + CHUNK])
        s.commit()

        t0 = time.perf_counter()
        rows = []
        for eid in range(1, entries + 1):
            reason, amount, on_answer = _reason_mix(rng)
            qid = rng.randint(1, QUESTIONS) if rng.random() > 0.05 else None
            created = NOW - timedelta(seconds=rng.randint(0, 400 * 86400))
            rows.append((eid, 1 + int(rng.paretovariate(1.2) * 7) % USERS, amount, reason, qid,
                         qid * 3 if (qid and on_answer) else None, None, f"bench:{eid}/g1", f"bench:{eid}", None,
                         created))
        # 3% of the awards reversed (a retracted vote), as the ledger writes them.
        rows += [(entries + i + 1, u, -a, r, q, ans, None, f"bench:{oid}/g1/rev", f"bench:{oid}", oid,
                  c + timedelta(hours=1))
                 for i, (oid, u, a, r, q, ans, _, _, _, _, c) in enumerate(rows[32::33])]
        _bulk_load(s, rows)
        sums = (select(func.coalesce(func.sum(PointsEntry.amount), 0))
                .where(PointsEntry.user_id == User.id).scalar_subquery())
        s.execute(update(User).values(points=sums))
        s.commit()
        total = s.scalar(select(func.count()).select_from(PointsEntry))
        s.execute(text("ANALYZE"))  # both engines: the planner needs the new tables' statistics
        s.commit()
        print(f"generated {total:,} entries in {time.perf_counter() - t0:.1f} s")


COLUMNS = ("id", "user_id", "amount", "reason", "question_id", "answer_id", "actor_id", "idempotency_key",
           "key_stem", "reverses_id", "created_at")


def _bulk_load(session, rows) -> None:
    """The entries through the driver's fastest path, the table's secondary indexes dropped during
    the load and built once after it: COPY on PostgreSQL, executemany of tuples on SQLite."""
    from app.points.models import PointsEntry

    conn = session.connection()
    indexes = list(PointsEntry.__table__.indexes)
    for index in indexes:
        index.drop(conn)
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor().copy(f"COPY points_entries ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        # SQLAlchemy's SQLite DateTime storage format, so the app reads the times back.
        cursor = raw.cursor()
        cursor.executemany(f"INSERT INTO points_entries ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                           [(*row[:-1], row[-1].strftime("%Y-%m-%d %H:%M:%S.%f")) for row in rows])
    for index in indexes:
        index.create(conn)


def _timed(fn, reps: int) -> tuple[float, float, float]:
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, times[-1]


def measure(url: str, reps: int) -> None:
    from flask_login import AnonymousUserMixin
    from sqlalchemy import func, select

    from app.accounts.models import Team, User
    from app.extensions import db
    from app.forum.models import QuestionTag, Tag
    from app.points import leaderboard as boards
    from app.points.models import PointsEntry
    from app.points.queries import verify

    app = _app(url)
    with app.app_context(), app.test_request_context():
        s = db.session
        print(f"entries: {s.scalar(select(func.count()).select_from(PointsEntry)):,}")
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            mismatches = verify(s)
            runs.append((time.perf_counter() - t0) * 1000)
        print(f"points verify: {min(runs):.0f} ms (best of 3), mismatches: {len(mismatches)}")

        moderator = User(id=10**9, username="bench-mod", display_name="m", role="moderator")
        viewers = {"anonymous": AnonymousUserMixin(), "moderator": moderator}
        busy = [t for t, in s.execute(select(QuestionTag.tag_id).group_by(QuestionTag.tag_id)
                                      .order_by(func.count().desc()).limit(10))]
        tags = [s.get(Tag, t) for t in busy]
        teams = list(s.scalars(select(Team)))
        rng = random.Random(3)
        print(f"leaderboard page 1 (20 rows + total), {reps} calls each: p50 / p95 / max ms")
        for viewer_name, viewer in viewers.items():
            for period in boards.PERIODS:
                for scope in ("overall", "tag", "team"):
                    def call():
                        board = boards.Board(period=period, at=NOW,
                                             tag=rng.choice(tags) if scope == "tag" else None,
                                             team=rng.choice(teams) if scope == "team" else None)
                        boards.leaderboard(s, board, viewer=viewer, page=1, per_page=20)
                    p50, p95, most = _timed(call, reps)
                    print(f"  {viewer_name:9} {period:7} {scope:7} {p50:8.1f} {p95:8.1f} {most:8.1f}")
            for period in ("all", "month"):
                p50, p95, most = _timed(lambda: boards.rank_of(s, rng.randint(1, USERS),
                                                               boards.Board(period=period, at=NOW), viewer=viewer), reps)
                print(f"  {viewer_name:9} rank_of {period:7}      {p50:8.1f} {p95:8.1f} {most:8.1f}")


def _pg_entries(url: str) -> int:
    """Entries already in the bench schema (a run without --fresh measures them again)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{SCHEMA}.points_entries"}).scalar()
            return int(conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.points_entries")).scalar()) if found else 0
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--url", help="a database URL (default: a SQLite file in bench/out)")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="rebuild the data (SQLite file or PostgreSQL schema)")
    args = parser.parse_args()
    url = args.url
    print(f"{platform.python_version()} on {platform.machine()}, {args.entries:,} entries")
    if url is None:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"points-{args.entries}.db"
        if args.fresh and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        if not path.exists():
            generate(url, args.entries)
    elif args.fresh or _pg_entries(url) < args.entries:
        generate(url, args.entries)
    print(f"database: {url.split('@')[-1]}")
    measure(url, args.reps)


if __name__ == "__main__":
    main()
