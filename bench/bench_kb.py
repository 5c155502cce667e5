"""Knowledge-base figures (prints them, asserts nothing).

    .venv/bin/python bench/bench_kb.py                         # 1,000 and 100,000 articles, and the beer batch
    .venv/bin/python bench/bench_kb.py --sizes 1000 --requests 100
    .venv/bin/python bench/bench_kb.py --sizes 100000 --fresh   # regenerate and reindex

1. For each size, a generated knowledge base (cached in bench/out/kb-<size>.db and its search
   file; --fresh rebuilds): 60 categories in a two-level tree, articles with one published
   version each in the mixed Chinese and English contact-centre vocabulary of bench/gen_data.py,
   one to three categories each, a mix of public, internal and team audiences, helpful votes and
   30 days of views for "popular"; then the category counts (as the services keep them) and the
   search index (as ``flask search reindex`` builds it; the article page's related items read it).
2. Latency of the article page (random articles, at their canonical address) and of the KB
   home, through the app's test client (the whole request but the network: routing, the unit of
   work, queries, the search engine's related items, templates), as an anonymous visitor and as
   a signed-in member of staff. Views are counted off the request path (JOBS_MODE=thread, as in
   production). A warm-up pass first, then three rounds; the round with the median p50 is printed
   (p50 / p95 / max in ms).
3. Promotion of every accepted answer of the beer dump as one batch: the dump imported into a
   fresh database, then ``flask kb promote-accepted`` timed (articles per second).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BEER = ROOT / ".." / "shared" / "data" / "stackexchange" / "beer"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHUNK = 2000
ROUNDS = 3      # timing rounds per series; the median round is printed


def _app(path: Path, **overrides):
    from app import create_app
    from config import Config

    return create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SEARCH_DB_PATH=str(path) + ".search",
                      **overrides)


def _texts(rng: random.Random):
    """(title, issue, resolution) in the generator's vocabulary."""
    import gen_data as g

    title = g._title(rng)
    issue = " ".join(rng.choice(rng.choice((g.SENT_ZH, g.SENT_EN))) for _ in range(rng.randint(2, 4)))
    p = rng.choice(g.PRODUCTS)[rng.randrange(2)]
    resolution = "\n\n".join(rng.choice(rng.choice((g.ANSWER_ZH, g.ANSWER_EN))).format(p=p)
                             for _ in range(rng.randint(2, 5)))
    return title, issue, resolution


def generate(path: Path, size: int, seed: int = 7) -> None:
    """Bulk rows through SQLAlchemy Core (services would take hours at 100,000)."""
    from sqlalchemy import insert, select

    from app.accounts import services as accounts
    from app.db import utcnow
    from app.extensions import db
    from app.kb.models import (Article, ArticleCategory, ArticleDailyViews, ArticleFeedback, ArticleVersion,
                               Category)
    from app.kb.services.categories import recount
    from app.markup import render_markdown, slugify

    rng = random.Random(seed)
    app = _app(path, JOBS_MODE="inline", SEARCH_INDEX_ON_WRITE=False)
    with app.app_context():
        db.create_all()
        for slug in ("cards", "loans", "wealth"):
            accounts.create_team(db.session, slug)
        staff = accounts.create_user(db.session, "bench.staff", "bench-password-1", role="staff", teams=["cards"])
        readers = [accounts.create_user(db.session, f"reader{n}", None, role="customer").id for n in range(50)]
        db.session.commit()
        tops = []
        for n in range(12):
            tops.append(db.session.execute(insert(Category).values(
                name=f"Topic {n} 主题{n}", slug=f"topic-{n}", description="", position=n, default_audience="public",
                review_days=180)).inserted_primary_key[0])
        cats = list(tops)
        for n in range(48):
            cats.append(db.session.execute(insert(Category).values(
                name=f"Subtopic {n} 子题{n}", slug=f"subtopic-{n}", description="", parent_id=tops[n % 12],
                position=n // 12, default_audience="internal", review_days=90)).inserted_primary_key[0])
        db.session.commit()
        now, started = utcnow(), time.perf_counter()
        for start in range(1, size + 1, CHUNK):
            ids = range(start, min(size + 1, start + CHUNK))
            articles, versions, links, votes, views = [], [], [], [], []
            for i in ids:
                title, issue, resolution = _texts(rng)
                audience = rng.choices(("public", "internal", "team"), (6, 3, 1))[0]
                published = now - timedelta(days=rng.randrange(400))
                articles.append({"id": i, "slug": slugify(title), "status": "published", "audience": audience,
                                 "team_id": 1 if audience == "team" else None, "owner_user_id": staff.id,
                                 "primary_category_id": None, "current_version_id": None,
                                 "published_version_id": None, "review_by": (published + timedelta(days=180)).date(),
                                 "reviewed_at": published, "first_published_at": published, "published_at": published,
                                 "created_at": published, "updated_at": published, "reuse_count": rng.randrange(5),
                                 "helpful_count": 0, "unhelpful_count": 0, "view_count": 0, "popularity": 0,
                                 "created_by_id": staff.id})
                versions.append({"id": i, "article_id": i, "number": 1, "title": title, "issue_md": issue,
                                 "issue_html": render_markdown(issue), "environment_md": "", "environment_html": "",
                                 "resolution_md": resolution, "resolution_html": render_markdown(resolution),
                                 "cause_md": "", "cause_html": "", "editor_id": staff.id, "note": "",
                                 "created_at": published, "published_at": published})
                chosen = rng.sample(cats, rng.randint(1, 3))
                links += [{"article_id": i, "category_id": c, "created_at": published} for c in chosen]
                articles[-1]["primary_category_id"] = chosen[0]
                for reader in rng.sample(readers, rng.randrange(4)):
                    votes.append({"article_id": i, "user_id": reader, "day": published.date(), "helpful": rng.random() < .8,
                                  "comment": "", "created_at": now - timedelta(days=rng.randrange(60))})
                if rng.random() < .3:
                    views += [{"article_id": i, "day": (now - timedelta(days=d)).date(), "views": rng.randrange(1, 40)}
                              for d in rng.sample(range(30), 3)]
            db.session.execute(insert(Article), articles)
            db.session.execute(insert(ArticleVersion), versions)
            db.session.execute(Article.__table__.update().where(Article.id.in_(list(ids))).values(
                current_version_id=Article.id, published_version_id=Article.id))
            db.session.execute(insert(ArticleCategory), links)
            if votes:
                db.session.execute(insert(ArticleFeedback), votes)
            if views:
                db.session.execute(insert(ArticleDailyViews), views)
            db.session.commit()
        from sqlalchemy import func, update

        for helpful, column in ((True, "helpful_count"), (False, "unhelpful_count")):
            db.session.execute(update(Article).values({column: select(func.count(ArticleFeedback.id)).where(
                ArticleFeedback.article_id == Article.id, ArticleFeedback.helpful.is_(helpful)).scalar_subquery()}))
        from app.kb.services.stats import refresh_all_popularity

        refresh_all_popularity(db.session)
        recount(db.session, cats)
        db.session.commit()
        print(f"  generated {size} articles in {time.perf_counter() - started:.1f} s", flush=True)
        from app.search import get_backend
        from app.search.indexer import all_documents

        started = time.perf_counter()
        n = get_backend(app).rebuild(all_documents(db.session))
        print(f"  index: {n} documents in {time.perf_counter() - started:.1f} s", flush=True)
        db.engine.dispose()


def build(size: int, fresh: bool) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"kb-{size}.db"
    done = path.with_suffix(".done")
    if done.exists() and not fresh:
        return path
    for p in OUT.glob(f"kb-{size}.*"):
        p.unlink()
    generate(path, size)
    done.touch()
    return path


def percentiles(samples: list[float]) -> str:
    s = sorted(samples)
    pick = lambda q: 1000 * s[min(len(s) - 1, int(q * len(s)))]  # noqa: E731
    return f"p50 {pick(0.5):7.2f}  p95 {pick(0.95):7.2f}  max {1000 * s[-1]:7.2f}"


def latency(size: int, requests: int, fresh: bool) -> None:
    from sqlalchemy import select

    from app.extensions import db
    from app.kb.models import Article

    path = build(size, fresh)
    app = _app(path, JOBS_MODE="thread", SCHEDULER_ENABLED=False, TESTING=True, WTF_CSRF_ENABLED=False)
    rng = random.Random(11)
    with app.app_context():
        rows = db.session.execute(select(Article.id, Article.slug, Article.audience)).all()
        public = [f"/kb/articles/{i}/{s}" for i, s, a in rows if a == "public"]
        staff = [f"/kb/articles/{i}/{s}" for i, s, a in rows if a != "team"]
        db.session.remove()
    for who in ("anonymous", "staff"):
        client = app.test_client()
        if who == "staff":
            login = client.post("/login", data={"username": "bench.staff", "password": "bench-password-1"})
            assert login.status_code in (302, 303), login.status_code
        urls = public if who == "anonymous" else staff
        for label, make in (("article page", lambda: rng.choice(urls)), ("KB home", lambda: "/kb/")):
            for _ in range(min(20, requests)):   # warm-up: templates, the engine's caches
                client.get(make())
            rounds = []
            for _ in range(ROUNDS):
                samples = []
                for _ in range(requests):
                    url = make()
                    t0 = time.perf_counter()
                    response = client.get(url)
                    samples.append(time.perf_counter() - t0)
                    assert response.status_code == 200, (url, response.status_code)
                rounds.append(sorted(samples))
            # The round with the median p50: a shared machine's busy moments hit single rounds.
            rounds.sort(key=lambda r: r[len(r) // 2])
            print(f"  {size:>7} articles  {label:<13} {who:<10} {percentiles(rounds[len(rounds) // 2])}  (ms)",
                  flush=True)


def promotion_batch() -> None:
    import tempfile

    from app.accounts.services import create_user
    from app.extensions import db
    from app.importer.loader import import_dump

    folder = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    app = _app(folder / "beer.db", JOBS_MODE="inline", SEARCH_INDEX_ON_WRITE=False)
    with app.app_context():
        db.create_all()
        import_dump(db.session, BEER)
        create_user(db.session, "curator", None, role="moderator")
        db.session.commit()
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["kb", "promote-accepted", "--by", "curator"])
        took = time.perf_counter() - started
        print("  " + result.output.strip().splitlines()[-1], flush=True)
        print(f"  (the whole command, one process: {took:.1f} s)", flush=True)
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--no-batch", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("FORUM_ENV", "development")
    print(f"bench_kb on {platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"SQLite {__import__('sqlite3').sqlite_version}", flush=True)
    for size in (int(s) for s in args.sizes.split(",") if s):
        latency(size, args.requests, args.fresh)
    if not args.no_batch:
        promotion_batch()


if __name__ == "__main__":
    main()
