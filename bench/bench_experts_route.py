"""Routing latency through the real service at a real site's size (prints figures, asserts nothing).

Imports a Stack Exchange dump into a scratch SQLite database (the importer, one transaction),
loads the expertise index once (time and memory reported), then ranks every question of the
site with ``routing.rank_question`` -- index catch-up, features, access and load queries and
scoring, i.e. everything routing does except writing the decision -- and prints p50/p95/max.
A second pass applies new answers through the forum service and times the catch-up.

    .venv/bin/python bench/bench_experts_route.py ../shared/data/stackexchange/beer
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dump", help="a Stack Exchange dump directory")
    parser.add_argument("--answers", type=int, default=500, help="new answers applied in the catch-up pass")
    args = parser.parse_args()

    from app import create_app
    from app.experts import routing
    from app.experts.index import index_for
    from app.extensions import db
    from app.forum import services
    from app.forum.models import Question
    from app.importer.loader import import_dump
    from config import TestingConfig

    work = tempfile.mkdtemp(prefix="bench-route-")
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{work}/bench.db", TESTING=False,
                     SEARCH_DB_PATH=f"{work}/search.db", SEARCH_INDEX_ON_WRITE=False, MIN_BODY_LENGTH=1)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        import_dump(db.session, args.dump)
        db.session.commit()
        print(f"imported {args.dump} in {time.perf_counter() - started:.1f} s")

        from app.experts.index import ExpertiseIndex
        from app.text import warm_up
        warm_up()  # jieba's dictionary: paid once per process, by search as well
        # Memory on a throwaway index (tracemalloc slows Python down), then the timed load.
        tracemalloc.start()
        ExpertiseIndex().sync(db.session)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        index = index_for(app)
        started = time.perf_counter()
        index.sync(db.session)
        load_s = time.perf_counter() - started
        print(f"index load: {load_s:.2f} s, peak traced memory {peak / 2**20:.1f} MiB, graph {index.graph.stats}, "
              f"profiles {index.profiles.stats}")

        questions = list(db.session.scalars(select(Question).where(Question.deleted_at.is_(None))))
        times = []
        for question in questions:
            started = time.perf_counter()
            routing.rank_question(db.session, question)
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        print(f"rank one question ({len(times)} questions): p50 {statistics.median(times):.1f} ms, "
              f"p95 {pct(times, 0.95):.1f} ms, max {max(times):.1f} ms")

        # New answers arrive through the service (events logged); the next ranking catches up.
        answerer = db.session.scalar(select(Question.author_id).where(Question.author_id.is_not(None)))
        from app.accounts.models import User
        by = db.session.get(User, answerer)
        by.is_active_account = True
        started = time.perf_counter()
        for i, question in enumerate(questions[: args.answers]):
            if question.author_id != by.id and not question.is_closed:
                services.post_answer(db.session, question, body=f"Bench answer {i} about brewing and hops.", by=by)
        db.session.commit()
        write_s = time.perf_counter() - started
        started = time.perf_counter()
        index.sync(db.session)
        catch_s = time.perf_counter() - started
        print(f"{args.answers} new answers: written in {write_s:.1f} s; index catch-up {catch_s * 1000:.0f} ms "
              f"({catch_s / args.answers * 1000:.2f} ms per answer, authority refresh included)")


if __name__ == "__main__":
    main()
