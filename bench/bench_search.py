"""Search and suggestion latency, in-process, with the embedded engine (prints figures, asserts nothing).

    .venv/bin/python bench/bench_search.py                        # beer dump and 100,000 generated
    .venv/bin/python bench/bench_search.py --sizes beer --queries 500
    .venv/bin/python bench/bench_search.py --sizes 100000 --fresh  # regenerate and reindex

For each size:
1. a database: ``beer`` imports ../shared/data/stackexchange/beer through the importer; a number
   generates that many questions with bench/gen_data.py (mixed Chinese and English, the bank
   contact-centre vocabulary, so most words are shared by thousands of questions: a hard case).
   Files are cached in bench/out/ (search-<size>.db and its .search.db); --fresh rebuilds.
2. the index: the same rebuild as ``flask search reindex`` (its time is printed).
3. query sets, drawn with a fixed seed from the questions themselves: whole titles; titles
   with one typo; one to three words of a title (short searches); title prefixes cut inside a
   word (what the ask page sends while typing).
4. timings of ``app.search.service.search`` (the engine, the visibility safety-net query and
   the highlighted snippets: everything but HTTP and the log row) as an anonymous visitor and
   as a moderator, and of ``service.suggest``. A warm-up pass runs first. p50 / p95 / max in ms.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BEER = ROOT / ".." / "shared" / "data" / "stackexchange" / "beer"
sys.path.insert(0, str(ROOT))


def build(size: str, fresh: bool) -> Path:
    """The forum database for ``size`` (cached)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"search-{size}.db"
    done = path.with_suffix(".done")
    if done.exists() and not fresh:
        return path
    for p in OUT.glob(f"search-{size}.*"):
        p.unlink()
    started = time.perf_counter()
    if size == "beer":
        from app import create_app
        from app.extensions import db
        from app.importer.loader import import_dump
        from config import Config

        app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
        with app.app_context():
            db.create_all()
            import_dump(db.session, BEER)
            db.session.commit()
            db.engine.dispose()
    else:
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_data.py"), "--url", f"sqlite:///{path}",
                        "--questions", size, "--reset"], check=True, stdout=subprocess.DEVNULL)
    print(f"  database {path.name}: built in {time.perf_counter() - started:.1f} s", flush=True)
    done.touch()
    return path


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    return rng.choice([word[:i] + word[i + 1:], word[:i] + "x" + word[i:], word[:i] + "q" + word[i + 1:]])


def query_sets(titles: list[str], n: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    picked = [rng.choice(titles) for _ in range(n)]
    typos, short, prefixes = [], [], []
    for t in picked:
        words = t.split()
        long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if long:
            i = rng.choice(long)
            typos.append(" ".join(words[:i] + [typo(words[i], rng)] + words[i + 1:]))
        start = rng.randrange(len(words))
        short.append(" ".join(words[start:start + rng.randint(1, 3)]))
        cut = rng.randint(max(2, len(t) // 3), max(3, len(t) - 1))
        prefixes.append(t[:cut])
    return {"titles": picked, "typo titles": typos, "short": short, "typing (suggest)": prefixes}


def percentiles(samples: list[float]) -> str:
    s = sorted(samples)
    pick = lambda q: 1000 * s[min(len(s) - 1, int(q * len(s)))]  # noqa: E731
    return f"p50 {pick(0.5):6.2f}  p95 {pick(0.95):6.2f}  max {1000 * s[-1]:7.2f}"


def run(size: str, queries: int, seed: int, fresh: bool) -> None:
    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import User
    from app.errors import Invalid
    from app.extensions import db
    from app.forum.models import Question
    from app import text as text_analysis
    from app.search import get_backend, service
    from app.search.indexer import all_documents
    from config import Config

    path = build(size, fresh)
    search_db = path.with_suffix(".search.db")
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SEARCH_DB_PATH=str(search_db))
    with app.app_context():
        backend = get_backend(app)
        text_analysis.warm_up()
        marker = path.with_suffix(".indexed")
        if fresh or not marker.exists() or backend.count() == 0:
            started = time.perf_counter()
            n = backend.rebuild(all_documents(db.session))
            print(f"  index: {n} documents in {time.perf_counter() - started:.1f} s "
                  f"({n / (time.perf_counter() - started):.0f} docs/s), "
                  f"{search_db.stat().st_size / 1e6:.0f} MB", flush=True)
            marker.touch()
        titles = list(db.session.scalars(select(Question.title).where(Question.deleted_at.is_(None))))
        moderator = db.session.scalar(select(User).where(User.role.in_(("moderator", "admin"))))
        sets = query_sets(titles, queries, seed)
        print(f"  {backend.count()} documents; {queries} queries per set; seed {seed}")
        for name, qs in sets.items():
            suggest = name.startswith("typing")
            for label, user in ((("anonymous", None),) if suggest else (("anonymous", None), ("moderator", moderator))):
                def call(q):
                    if suggest:
                        return service.suggest(db.session, backend, q=q, user=user)
                    try:
                        return service.search(db.session, backend, q=q, user=user)
                    except Invalid:  # a fragment of punctuation only: answered with a message
                        return None
                for q in qs[:20]:  # warm-up: page cache, jieba, prepared statements
                    call(q)
                samples = []
                for q in qs:
                    t0 = time.perf_counter()
                    call(q)
                    samples.append(time.perf_counter() - t0)
                    db.session.rollback()  # one read transaction per query, as per request
                what = "suggest" if suggest else "search "
                print(f"  {what} {name:<18} {label:<10} {percentiles(samples)}  (ms)", flush=True)
        backend.close()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="beer,100000", help="comma-separated: beer and/or question counts")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="rebuild cached databases and indexes")
    args = parser.parse_args()
    os.environ.setdefault("FORUM_ENV", "development")
    print(f"bench_search: {platform.python_implementation()} {platform.python_version()}, "
          f"SQLite {__import__('sqlite3').sqlite_version}, {os.cpu_count()} CPUs, {platform.machine()}")
    for size in args.sizes.split(","):
        print(f"size {size}:", flush=True)
        run(size.strip(), args.queries, args.seed, args.fresh)


if __name__ == "__main__":
    main()
