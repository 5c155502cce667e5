"""The live loop's figures (issue 10). Prints; asserts nothing.

    .venv/bin/python bench/bench_live.py                       # everything below, SQLite
    .venv/bin/python bench/bench_live.py --only latency --clients 1,100,1000
    .venv/bin/python bench/bench_live.py --only sweep --routings 100000

1. Latency from commit to receipt in a Socket.IO client, p50/p95/p99, on real servers
   (gunicorn -k gevent -w 1, tests/system/servers.py) with 1, 100 and 1,000 connected clients
   (each its own user and token; the handshake carries the bearer token, as a browser carries
   its cookie), and with 1,000 clients on two such processes sharing a redis-server:
   * ``one``: one notification to one connected user (a comment mentioning them), sent one
     after the other; the clock starts when the request is sent, so each figure includes the
     request's own work up to its commit (the emit runs after the commit, before the response);
   * ``room``: one answer on a question that every client watches (the question room): one
     event reaching all of them; each receipt is a sample.
2. Catch-up: 1,000 notifications missed by one user, read back through
   GET /api/v1/notifications?after= in pages of 100, as the client does on reconnect.
3. Escalation sweep over 100,000 open routings (rows written directly): a sweep when nothing is
   due, and sweeps that each run one batch of due steps.

The clients run in this process on gevent (python-socketio's client over websocket-client), the
servers and the database on the same machine: say how many cores it had.
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from tests.system.databases import Databases  # noqa: E402
from tests.system.servers import Server  # noqa: E402

SERVER_ENV = {"API_WRITE_RATE_LIMIT": "1000000 per minute", "REALTIME_MAX_PER_ADDRESS": "10000",
              "REALTIME_MAX_PENDING_PER_ADDRESS": "10000", "QAFORUM_WORKER_CONNECTIONS": "5000",
              "JOBS_MODE": "thread"}


def log(msg: str) -> None:
    print(msg, flush=True)


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def figures(samples_s: list[float]) -> str:
    ms = [s * 1000 for s in samples_s]
    if not ms:
        return "no samples"
    return (f"n={len(ms):5d}  p50={pct(ms, 50):7.1f} ms  p95={pct(ms, 95):7.1f} ms  p99={pct(ms, 99):7.1f} ms  "
            f"max={max(ms):7.1f} ms  mean={statistics.mean(ms):6.1f} ms")


# --- data ------------------------------------------------------------------------------------

def prepare(url: str, users: int) -> dict:
    """Users with tokens (no passwords: hashing would dominate), and a question asked by the
    writer; returns {"writer": token, "people": [(id, username, token)], "question": id}."""
    os.environ["DATABASE_URL"] = url
    from app import create_app
    from app.accounts import services as accounts
    from app.extensions import db
    from app.forum import services as forum
    from config import DevelopmentConfig

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, JOBS_MODE="inline", SEARCH_DB_PATH=":memory:")
    with app.app_context():
        writer = accounts.create_user(db.session, "bench_writer", None, role="moderator")
        _, writer_token = accounts.create_token(db.session, writer, "bench")
        people = []
        for n in range(users):
            user = accounts.create_user(db.session, f"bench{n:04d}", None, role="staff")
            people.append((user, accounts.create_token(db.session, user, "bench")[1]))
        db.session.flush()
        question = forum.ask_question(db.session, title="Bench: the live loop's own question",
                                      body="Every bench client watches this question.", tags=["bench"], by=writer)
        db.session.commit()
        out = {"writer": writer_token, "people": [(u.id, u.username, t) for u, t in people],
               "question": question.id}
        db.engine.dispose()
    return out


# --- clients ---------------------------------------------------------------------------------

class Listener:
    def __init__(self, base: str, token: str, question: int | None):
        self.sio = socketio.Client(reconnection=False)
        self.waiting: dict = {}
        self.sio.on("notification", self._note)
        self.sio.on("question", self._question)
        self.base, self.token, self.question = base, token, question

    def connect(self) -> None:
        self.sio.connect(self.base, transports=["websocket"], headers={"Authorization": f"Bearer {self.token}"},
                         wait_timeout=30)

    def watch(self) -> None:
        self.sio.call("watch", {"question": self.question}, timeout=30)

    def expect(self, key) -> gevent.event.AsyncResult:
        result = gevent.event.AsyncResult()
        self.waiting[key] = result
        return result

    def _note(self, data):
        marker = (data.get("kind"), data.get("question_id"))
        for key in list(self.waiting):
            if key == ("note",) or key == marker:
                self.waiting.pop(key).set(time.perf_counter())

    def _question(self, data):
        result = self.waiting.pop(("room", data.get("event")), None)
        if result is not None:
            result.set(time.perf_counter())

    def close(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:
            pass


def connect_all(bases: list[str], people, question: int, count: int) -> list[Listener]:
    listeners = [Listener(bases[i % len(bases)], people[i][2], question) for i in range(count)]
    for start in range(0, count, 50):  # a ramp: 50 handshakes at a time
        batch = listeners[start:start + 50]
        gevent.joinall([gevent.spawn(listener.connect) for listener in batch], raise_error=True)
    return listeners


def watch_all(listeners: list[Listener]) -> None:
    """Every client joins the question's room (after the one-recipient runs, which must not pay
    for a room fan-out on every comment)."""
    for start in range(0, len(listeners), 50):
        gevent.joinall([gevent.spawn(listener.watch) for listener in listeners[start:start + 50]], raise_error=True)


def api(base: str, token: str, method: str, path: str, **kwargs):
    return requests.request(method, f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"},
                            timeout=60, **kwargs)


def latency_one(bases, data, listeners, rounds: int) -> list[float]:
    samples = []
    by_index = {i: listener for i, listener in enumerate(listeners)}
    for n in range(rounds):
        i = random.randrange(len(listeners))
        listener, (_uid, username, _token) = by_index[i], data["people"][i]
        pending = listener.expect(("mention", data["question"]))
        start = time.perf_counter()
        response = api(bases[n % len(bases)], data["writer"], "POST", f"/questions/{data['question']}/comments",
                       json={"body": f"Ping {n} for @{username}, please look."})
        if response.status_code != 201:
            log(f"    comment refused: {response.status_code} {response.text[:200]}")
            continue
        try:
            samples.append(pending.get(timeout=30) - start)
        except gevent.Timeout:
            log(f"    lost: no notification for {username} within 30 s")
    return samples


def latency_room(bases, data, listeners, rounds: int) -> list[float]:
    samples = []
    for n in range(rounds):
        pending = [listener.expect(("room", "comment")) for listener in listeners]
        start = time.perf_counter()
        response = api(bases[n % len(bases)], data["writer"], "POST", f"/questions/{data['question']}/comments",
                       json={"body": f"Room round {n}: a comment every watcher sees."})
        if response.status_code != 201:
            log(f"    comment refused: {response.status_code}")
            continue
        for result in pending:
            try:
                samples.append(result.get(timeout=60) - start)
            except gevent.Timeout:
                pass
        missing = sum(1 for result in pending if not result.ready())
        if missing:
            log(f"    round {n}: {missing} of {len(pending)} clients got nothing within 60 s")
        gevent.sleep(0.2)
    return samples


def run_latency(args, databases: Databases, url_template: str, work: Path) -> None:
    counts = [int(c) for c in args.clients.split(",")]
    most = max(counts)
    log(f"\n== latency: commit -> receipt (gevent instances, {os.cpu_count()} cores) ==")
    for count in counts:
        url = databases.clone(url_template, f"lat{count}")
        data = prepare(url, count)
        server = Server("gevent", url, work / f"one{count}", env_extra=SERVER_ENV).start()
        try:
            listeners = connect_all([server.url], data["people"], data["question"], count)
            log(f"  1 process, {count} clients connected")
            log(f"    one recipient : {figures(latency_one([server.url], data, listeners, args.rounds))}")
            watch_all(listeners)
            log(f"    whole room    : {figures(latency_room([server.url], data, listeners, args.room_rounds))}")
            for listener in listeners:
                listener.close()
        finally:
            server.stop()
    if args.no_redis:
        return
    from redisserver import RedisServer

    redis = RedisServer().start()
    url = databases.clone(url_template, "lat_redis")
    data = prepare(url, most)
    env = {**SERVER_ENV, "REDIS_URL": redis.url(), "JOBS_MODE": "thread"}
    servers = []
    try:
        for name in ("a", "b"):
            server = Server("gevent", url, work / f"redis_{name}", env_extra=env)
            server.env["SEARCH_DB_PATH"] = str(work / "redis_search.db")
            servers.append(server.start())
        bases = [s.url for s in servers]
        listeners = connect_all(bases, data["people"], data["question"], most)
        log(f"  2 processes + Redis, {most} clients connected (half on each; requests alternate)")
        log(f"    one recipient : {figures(latency_one(bases, data, listeners, args.rounds))}")
        watch_all(listeners)
        log(f"    whole room    : {figures(latency_room(bases, data, listeners, args.room_rounds))}")
        for listener in listeners:
            listener.close()
    finally:
        for server in servers:
            server.stop()
        redis.stop()


# --- catch-up --------------------------------------------------------------------------------

def run_catch_up(databases: Databases, url_template: str, work: Path, items: int = 1000) -> None:
    url = databases.clone(url_template, "catchup")
    data = prepare(url, 1)
    from app import create_app
    from app.extensions import db
    from app.notifications.services import notify_many
    from config import DevelopmentConfig

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, JOBS_MODE="inline", SEARCH_DB_PATH=":memory:")
    reader_id = data["people"][0][0]
    with app.app_context():
        from app.accounts.models import User
        writer = db.session.scalar(db.select(User).where(User.username == "bench_writer"))
        for _ in range(items):
            notify_many(db.session, [reader_id], "mention", question_id=data["question"], actor_id=writer.id)
        db.session.commit()
        db.engine.dispose()
    server = Server("gevent", url, work / "catchup", env_extra=SERVER_ENV).start()
    try:
        token = data["people"][0][2]
        for attempt in range(3):
            start, got, after, pages = time.perf_counter(), 0, 0, 0
            while True:
                body = api(server.url, token, "GET", f"/notifications?after={after}&limit=100").json()
                got += len(body["items"])
                pages += 1
                if not body["has_more"]:
                    break
                after = body["items"][-1]["id"]
            log(f"  catch-up of {got} missed notifications: {pages} pages, {(time.perf_counter() - start) * 1000:.0f} ms"
                f" (run {attempt + 1})")
    finally:
        server.stop()


# --- escalation sweep ------------------------------------------------------------------------

def run_sweep(routings: int, due: int) -> None:
    from datetime import timedelta

    from sqlalchemy import insert

    from app import create_app
    from app.db import utcnow
    from app.experts import escalation
    from app.experts.models import RoutingDecision
    from app.extensions import db
    from app.forum.models import Question
    from config import DevelopmentConfig

    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    url = f"sqlite:///{tmp / 'sweep.db'}"
    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, JOBS_MODE="inline",
                     SEARCH_DB_PATH=str(tmp / "s.db"))
    now = utcnow()
    with app.app_context():
        db.create_all()
        from app.accounts import services as accounts
        asker = accounts.create_user(db.session, "sweep_asker", None, role="staff")
        accounts.create_user(db.session, "sweep_mod", None, role="moderator")
        db.session.commit()
        started = time.perf_counter()
        for start in range(0, routings, 10_000):
            ids = range(start + 1, min(start + 10_000, routings) + 1)
            db.session.execute(insert(Question), [
                {"id": i, "title": f"Open routed question {i}", "slug": f"q-{i}", "body_md": "x", "body_html": "x",
                 "author_id": asker.id, "visibility": "internal", "created_at": now, "last_activity_at": now}
                for i in ids])
            db.session.execute(insert(RoutingDecision), [
                {"id": i, "question_id": i, "status": "routed", "weights": {}, "created_at": now, "updated_at": now}
                for i in ids])
            db.session.execute(insert(escalation.EscalationWatch), [
                {"decision_id": i, "question_id": i, "next_step": 1, "routed_at": now, "next_after": 30,
                 "moderators_after": 120, "due_at": now + timedelta(minutes=30 if i > due else -1)} for i in ids])
            db.session.commit()
        log(f"\n== escalation sweep ==\n  {routings} open routings written in {time.perf_counter() - started:.1f} s; "
            f"{due} of them due")
        for label, moment in (("nothing due (1 min before anything is due)", now - timedelta(minutes=2)),):
            start = time.perf_counter()
            ran = escalation.sweep(db.session, now=moment)
            db.session.commit()
            log(f"  sweep, {label}: {ran} steps, {(time.perf_counter() - start) * 1000:.1f} ms")
        batches, total, start = 0, 0, time.perf_counter()
        while True:
            t0 = time.perf_counter()
            ran = escalation.sweep(db.session, now=now)
            db.session.commit()
            if not ran:
                break
            batches += 1
            total += ran
            log(f"  sweep batch {batches}: {ran} steps in {(time.perf_counter() - t0) * 1000:.0f} ms")
        log(f"  {total} due steps in {batches} sweeps, {time.perf_counter() - start:.1f} s in all")
        start = time.perf_counter()
        escalation.sweep(db.session, now=now)
        db.session.commit()
        log(f"  sweep after the due ones ran ({routings} still open): {(time.perf_counter() - start) * 1000:.1f} ms")
        db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["latency", "catchup", "sweep"])
    parser.add_argument("--clients", default="1,100,1000")
    parser.add_argument("--rounds", type=int, default=200, help="one-recipient notifications per run")
    parser.add_argument("--room-rounds", type=int, default=5, help="room events per run")
    parser.add_argument("--routings", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args()
    log(f"bench_live: {os.cpu_count()} cores, SQLite, gevent clients in one process")
    if args.only in (None, "sweep"):
        run_sweep(args.routings, args.due)
    if args.only in ("latency", "catchup", None):
        work = Path(tempfile.mkdtemp(prefix="bench-live-"))
        databases = Databases(work / "db")
        try:
            url, _population = databases.template("plain")
            if args.only in (None, "catchup"):
                log("\n== catch-up ==")
                run_catch_up(databases, url, work)
            if args.only in (None, "latency"):
                run_latency(args, databases, url, work)
        finally:
            databases.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
