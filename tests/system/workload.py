"""Real concurrent clients over real HTTP: the write workloads of issue 8 (section 1) and
issue 11 (integrity first), and what they must leave behind.

Each client is a thread with its own ``requests.Session`` and API token. Every answer is tallied
(:class:`Tally`): counts per status, the first few 5xx bodies, transport errors. What a client
was told is remembered, so the checks afterwards can say which acknowledged write went missing.
Used by tests/system/test_concurrency.py (which asserts) and bench/bench_concurrency.py (which
prints). Nothing here knows which server kind it talks to.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

TIMEOUT = 90  # above SQLite's 30 s busy timeout: a slow answer is reported as what it is, not cut off
TITLE = "系统测试 {n}: card {n} is blocked abroad, what now?"
BODY = "客户在国外,卡被锁定。The customer is abroad and the card was blocked after three PIN tries ({n})."
ANSWER = "重置计数器后请客户重试。Reset the PIN counter in the card tool, then ask the customer to retry ({n})."


@dataclass
class Tally:
    """What the server answered, over every request of a run (thread-safe)."""
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)   # "METHOD path -> status: body", first few
    transport_errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    KEEP = 5

    def record(self, method: str, path: str, response: requests.Response | None, error: Exception | None) -> None:
        with self._lock:
            if response is None:
                self.statuses["error"] += 1
                if len(self.transport_errors) < self.KEEP:
                    self.transport_errors.append(f"{method} {path}: {error!r}")
                return
            self.statuses[response.status_code] += 1
            if response.status_code >= 500 and len(self.server_errors) < self.KEEP:
                self.server_errors.append(f"{method} {path} -> {response.status_code}: {response.text.strip()[:400]}")

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def failed(self) -> int:
        """5xx answers and requests that got no answer at all."""
        return sum(n for s, n in self.statuses.items() if s == "error" or s >= 500)

    def summary(self) -> str:
        counts = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items(), key=lambda kv: str(kv[0])))
        lines = [f"{self.requests} requests ({counts})"]
        lines += [f"  5xx: {e}" for e in self.server_errors]
        lines += [f"  no answer: {e}" for e in self.transport_errors]
        return "\n".join(lines)


class Client:
    """One user's API client; every call is tallied. ``call`` returns the JSON body of a 2xx
    answer, or None (the status is in the tally; ``last_status`` keeps the latest)."""

    def __init__(self, base_url: str, token: str, tally: Tally):
        self.base, self.tally = base_url.rstrip("/"), tally
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.last_status: int | str | None = None

    def call(self, method: str, path: str, json: dict | None = None):
        response = error = None
        try:
            response = self.http.request(method, self.base + path, json=json, timeout=TIMEOUT)
        except requests.RequestException as exc:
            error = exc
        self.tally.record(method, path, response, error)
        self.last_status = response.status_code if response is not None else "error"
        if response is not None and 200 <= response.status_code < 300:
            return response.json() if response.content else {}
        return None

    def close(self) -> None:
        self.http.close()


def run_together(workers: list, timeout: float = 600) -> float:
    """Start every ``worker(barrier)`` in its own thread; they pass the barrier together.
    Returns the wall time from the barrier to the last one's end."""
    barrier = threading.Barrier(len(workers) + 1)
    failures: list[BaseException] = []

    def wrap(fn):
        def run():
            try:
                fn(barrier)
            except BaseException as exc:  # a crashed client must fail the run, not hide in a thread
                failures.append(exc)
        return run

    threads = [threading.Thread(target=wrap(fn), daemon=True) for fn in workers]
    for t in threads:
        t.start()
    barrier.wait(timeout=60)
    start = time.perf_counter()
    for t in threads:
        t.join(timeout)
    if failures:
        raise failures[0]
    if any(t.is_alive() for t in threads):
        raise TimeoutError(f"clients still running after {timeout}s")
    return time.perf_counter() - start


# --- what the clients were told ------------------------------------------------------------------

@dataclass
class Ledger:
    """Acknowledged writes, keyed so the database can be checked against them."""
    votes: dict = field(default_factory=dict)        # (user id, "q"|"a", post id) -> value, or None if unsure
    accepted: dict = field(default_factory=dict)     # question id -> answer id, or None if unsure
    answers: list[int] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    skipped: int = 0   # operations not attempted because the run's time budget was spent
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def vote(self, user_id: int, kind: str, post_id: int, value: int | None) -> None:
        with self._lock:
            self.votes[(user_id, kind, post_id)] = value

    def add(self, name: str, item) -> None:
        with self._lock:
            getattr(self, name).append(item)


@dataclass
class Posts:
    """The seeded questions (with their askers) and answers the mix writes on."""
    questions: dict[int, int]            # question id -> asker's user id
    answers: dict[int, tuple[int, int]]  # answer id -> (question id, author id)


def insist(client: Client, method: str, path: str, body: dict, attempts: int = 5):
    """For setup steps only: retry a request that got a 5xx or no answer (each is tallied), so
    that a broken server still gets measured by the concurrent part. A retried POST may create
    a duplicate, which no check counts on."""
    for attempt in range(attempts):
        done = client.call(method, path, body)
        if done is not None or (client.last_status != "error" and client.last_status < 500):
            return done
        time.sleep(0.2 * (attempt + 1))
    return None


def seed(base_url: str, people: list, tally: Tally, *, questions: int = 10, answers_each: int = 2,
         label: str = "seed") -> Posts:
    """One question from each of the first ``questions`` people, each answered by others, one
    request at a time (retried on a 5xx, see :func:`insist`; every failure is in ``tally``)."""
    q_map, a_map = {}, {}
    others = people[questions:] or people
    for i, asker in enumerate(people[:questions]):
        client = Client(base_url, asker.token, tally)
        q = insist(client, "POST", "/api/v1/questions", {"title": TITLE.format(n=f"{label}-{i}"),
                                                           "body": BODY.format(n=i), "tags": ["cards", "系统测试"],
                                                           "visibility": "public"})
        if q is None:
            raise RuntimeError(f"seeding: asking failed ({client.last_status})\n{tally.summary()}")
        q_map[q["id"]] = asker.id
        for j in range(answers_each):
            author = others[(i * answers_each + j) % len(others)]
            writer = Client(base_url, author.token, tally)
            a = insist(writer, "POST", f"/api/v1/questions/{q['id']}/answers", {"body": ANSWER.format(n=f"{label}-{i}-{j}")})
            if a is None:
                raise RuntimeError(f"seeding: answering failed ({writer.last_status})\n{tally.summary()}")
            a_map[a["id"]] = (q["id"], author.id)
    return Posts(q_map, a_map)


def writers_mix(base_url: str, writers: list, posts: Posts, tally: Tally, *, ops_each: int = 8,
                rng_seed: int = 8, budget: float = 150) -> tuple[Ledger, float]:
    """Every writer at once: votes (+1, -1, retract), answers, comments, and askers accepting an
    answer on their own question. Returns what was acknowledged and the wall time.

    ``budget``: seconds after which writers stop starting operations (counted in
    ``Ledger.skipped``), so a server that hangs on every request still ends the run in bounded
    time, with its tally, instead of stalling the suite."""
    ledger = Ledger()
    deadline = time.monotonic() + budget
    askers = {asker: qid for qid, asker in posts.questions.items()}
    targets = [("q", qid, asker) for qid, asker in posts.questions.items()] + \
              [("a", aid, author) for aid, (_q, author) in posts.answers.items()]

    def writer(person, n):
        rng = random.Random(rng_seed * 1000 + n)
        client = Client(base_url, person.token, tally)

        def run(barrier):
            barrier.wait()
            for op_n in range(ops_each):
                if time.monotonic() > deadline:
                    with ledger._lock:
                        ledger.skipped += ops_each - op_n
                    break
                roll = rng.random()
                if person.id in askers and roll < 0.15:
                    qid = askers[person.id]
                    aid = rng.choice([a for a, (q, _) in posts.answers.items() if q == qid])
                    done = client.call("POST", f"/api/v1/answers/{aid}/accept")
                    ledger.accepted[qid] = aid if done is not None else None
                elif roll < 0.55:
                    kind, pid, author = rng.choice([t for t in targets if t[2] != person.id])
                    value = rng.choice([1, 1, 1, -1, 0])
                    path = f"/api/v1/{'questions' if kind == 'q' else 'answers'}/{pid}/vote"
                    done = client.call("POST", path, {"value": value})
                    # A 4xx changed nothing, so the previous acknowledged vote stands; a 5xx or no
                    # answer may or may not have committed.
                    if done is not None:
                        ledger.vote(person.id, kind, pid, value)
                    elif client.last_status == "error" or client.last_status >= 500:
                        ledger.vote(person.id, kind, pid, None)
                elif roll < 0.8:
                    qid = rng.choice(list(posts.questions))
                    done = client.call("POST", f"/api/v1/questions/{qid}/answers",
                                       {"body": ANSWER.format(n=f"mix-{n}-{op_n}")})
                    if done is not None:
                        ledger.add("answers", done["id"])
                else:
                    kind, pid, _author = rng.choice(targets)
                    path = f"/api/v1/{'questions' if kind == 'q' else 'answers'}/{pid}/comments"
                    done = client.call("POST", path, {"body": f"补充一点 / one more detail ({n}-{op_n})"})
                    if done is not None:
                        ledger.add("comments", done["id"])
            client.close()
        return run

    seconds = run_together([writer(p, n) for n, p in enumerate(writers)])
    return ledger, seconds


def vote_together(base_url: str, voters: list, kind: str, post_id: int, value: int, tally: Tally,
                  ledger: Ledger) -> float:
    """Every voter casts the same vote on one post at the same moment (a barrier); what each
    was told goes into ``ledger``. Returns the wall time."""
    path = f"/api/v1/{'questions' if kind == 'q' else 'answers'}/{post_id}/vote"

    def voter(person):
        def run(barrier):
            client = Client(base_url, person.token, tally)
            barrier.wait()
            done = client.call("POST", path, {"value": value})
            if done is not None:
                ledger.vote(person.id, kind, post_id, value)
            elif client.last_status == "error" or client.last_status >= 500:
                ledger.vote(person.id, kind, post_id, None)
            client.close()
        return run

    return run_together([voter(p) for p in voters])


def ask_then_answer(base_url: str, person, tally: Tally, rounds: int = 20, label: str = "solo") -> list[int]:
    """One client asks a question and answers it at once, ``rounds`` times (the routing job of
    each question commits in between). Returns the question ids."""
    client = Client(base_url, person.token, tally)
    asked = []
    for n in range(rounds):
        q = client.call("POST", "/api/v1/questions", {"title": TITLE.format(n=f"{label}-{n}"), "body": BODY.format(n=n),
                                                       "tags": ["cards"], "visibility": "public"})
        if q is not None:
            asked.append(q["id"])
            client.call("POST", f"/api/v1/questions/{q['id']}/answers", {"body": ANSWER.format(n=f"{label}-{n}")})
    client.close()
    return asked


def questions_in_a_row(base_url: str, person, tally: Tally, pairs: int = 3, label: str = "pair") -> None:
    """Two questions asked back to back through the API, ``pairs`` times."""
    client = Client(base_url, person.token, tally)
    for n in range(pairs * 2):
        client.call("POST", "/api/v1/questions", {"title": TITLE.format(n=f"{label}-{n}"), "body": BODY.format(n=n),
                                                   "tags": ["beer"], "visibility": "public"})
    client.close()


def vote_load(base_url: str, voters: list, answer_ids: list[int], tally: Tally, seconds: float,
              standing: Ledger | None = None) -> tuple[Ledger, float]:
    """For the benchmark: for ``seconds``, each voter flips its vote (+1, retract, +1, ...) on its
    own slice of answers, starting from ``standing`` (the votes an earlier run left), so every
    request changes a vote. Returns what was acknowledged (the standing votes included) and the
    wall time."""
    ledger = Ledger(votes=dict(standing.votes) if standing else {})

    def voter(person, n):
        def run(barrier):
            client = Client(base_url, person.token, tally)
            mine = answer_ids[n % len(answer_ids)::len(voters)] or answer_ids
            barrier.wait()
            end, i = time.monotonic() + seconds, 0
            while time.monotonic() < end:
                aid = mine[i % len(mine)]
                value = 0 if ledger.votes.get((person.id, "a", aid), 0) == 1 else 1
                done = client.call("POST", f"/api/v1/answers/{aid}/vote", {"value": value})
                if done is not None:
                    ledger.vote(person.id, "a", aid, value)
                elif client.last_status == "error" or client.last_status >= 500:
                    ledger.vote(person.id, "a", aid, None)
                i += 1
            client.close()
        return run

    return ledger, run_together([voter(p, n) for n, p in enumerate(voters)])
