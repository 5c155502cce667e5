"""The live loop across processes (issue 10): a real redis-server, two app processes (gunicorn,
gevent) on one database and a jobs worker (`flask jobs worker`), all on loopback.

* A client connected to process A receives the notification caused by a request to process B.
* Routing runs on the worker (JOBS_MODE=redis), and the escalation the worker's sweep fires
  reaches a moderator's socket held by process A."""
from __future__ import annotations

import subprocess
import time

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.redisserver import RedisServer, RedisUnavailable
from tests.system import sockets
from tests.system.conftest import unavailable
from tests.system.servers import BIN, ROOT, Server, server_env, tail

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def loop(databases, plain_template, tmp_path_factory):
    try:
        redis = RedisServer().start()
    except RedisUnavailable as err:
        unavailable(str(err))
    url = databases.clone(plain_template.url, "live_redis")
    work = tmp_path_factory.mktemp("live")
    env = {"REDIS_URL": redis.url(), "ESCALATION_NEXT_MINUTES": "0", "ESCALATION_MODERATORS_MINUTES": "1",
           "ESCALATION_SWEEP_SECONDS": "1", "EXPERTS_NOTIFY": "3", "API_WRITE_RATE_LIMIT": "1000 per minute"}
    started = []
    worker = None
    try:
        for name in ("a", "b"):
            server = Server("gevent", url, work / name, env_extra=env)
            server.env["SEARCH_DB_PATH"] = str(work / "search.db")  # one index for every process
            started.append(server.start())
        worker_env = {**server_env(url, work, **env), "FORUM_ENV": "production",
                      "SEARCH_DB_PATH": str(work / "search.db")}
        log = open(work / "worker.log", "w")
        worker = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "jobs", "worker"], cwd=ROOT, env=worker_env,
                                  stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        time.sleep(1)
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited:\n{tail(work / 'worker.log')}")
        yield {"a": started[0], "b": started[1], "url": url, "people": plain_template.people,
               "worker_log": work / "worker.log"}
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        for server in reversed(started):
            server.stop()
        redis.stop()


def api(base: str, token: str, method: str, path: str, **kwargs):
    return requests.request(method, f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"},
                            timeout=30, **kwargs)


def wait_for(queue, predicate, timeout: float) -> dict | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            item = queue.get(timeout=max(0.05, deadline - time.monotonic()))
        except Exception:
            return None
        if predicate(item):
            return item
    return None


def report(loop, *parts) -> str:
    return "\n\n".join([*map(str, parts), loop["a"].logs(30), loop["b"].logs(30),
                        "--- worker ---\n" + tail(loop["worker_log"], 60)])


def test_an_answer_on_b_reaches_the_askers_socket_on_a(loop):
    people = loop["people"]
    asker, expert = people.writers[10], people.writers[11]
    sock = sockets.connect(loop["a"].url, "websocket", token=asker.token)
    try:
        made = api(loop["b"].url, asker.token, "POST", "/questions", json={
            "title": "Live loop across processes: card stuck in the ATM", "body": "What should the agent do?",
            "tags": ["cards"]})
        assert made.status_code == 201, made.text
        question = made.json()["id"]
        posted = api(loop["b"].url, expert.token, "POST", f"/questions/{question}/answers",
                     json={"body": "Call the ATM hotline first, then block the card."})
        assert posted.status_code == 201, posted.text
        got = wait_for(sock.notifications, lambda n: n.get("kind") == "answer" and n.get("question_id") == question, 15)
        assert got is not None, report(loop, "no answer notification reached A")
        listed = api(loop["a"].url, asker.token, "GET", f"/notifications?after={got['id'] - 1}").json()["items"]
        assert listed and listed[0]["id"] == got["id"] and listed[0]["kind"] == "answer"
    finally:
        sock.close()


def test_routing_and_escalation_run_on_the_worker(loop):
    people = loop["people"]
    engine = create_engine(loop["url"])
    try:
        with engine.connect() as conn:
            first_mod = conn.execute(text("SELECT id FROM users WHERE role = 'moderator' ORDER BY id LIMIT 1")).scalar()
        moderator = next(p for p in people.moderators if p.id == first_mod)
        sock = sockets.connect(loop["a"].url, "websocket", token=moderator.token)
        try:
            asker = people.writers[12]
            made = api(loop["b"].url, asker.token, "POST", "/questions", json={
                "title": "Escalation across processes: nobody knows this one", "body": "Who can help the agent?",
                "tags": ["cards"]})
            assert made.status_code == 201, made.text
            question = made.json()["id"]
            deadline, watched = time.monotonic() + 30, None
            while time.monotonic() < deadline and watched is None:  # the worker routes it
                with engine.connect() as conn:
                    watched = conn.execute(text(
                        "SELECT w.decision_id FROM routing_escalation_watch w WHERE w.question_id = :q"),
                        {"q": question}).scalar()
                time.sleep(0.2)
            assert watched is not None, report(loop, "the worker did not route the question")
            with engine.begin() as conn:  # a minute is long for a test: make the step due now
                conn.execute(text("UPDATE routing_escalation_watch SET due_at = '2000-01-01 00:00:00' "
                                  "WHERE question_id = :q"), {"q": question})
            got = wait_for(sock.notifications,
                           lambda n: n.get("kind") == "escalated" and n.get("question_id") == question, 20)
            assert got is not None, report(loop, "no escalation reached the moderator's socket on A")
            with engine.connect() as conn:
                steps = conn.execute(text("SELECT step FROM routing_escalations WHERE decision_id = :d"),
                                     {"d": watched}).scalars().all()
            assert steps == [2]
        finally:
            sock.close()
    finally:
        engine.dispose()
