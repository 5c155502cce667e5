"""Writes never fail under concurrency, on any server (issue 8, section 1; issue 11, integrity).

Real servers (tests/system/servers.py), real HTTP, real threads, each client its own account and
token. On every server kind: ``flask run``, ``gunicorn -w 2`` (sync workers) and the production
topology (deploy/serve.py: nginx, two gevent instances, Redis); on SQLite, or on PostgreSQL when
TEST_DATABASE_URL is set. A failure message carries the status counts, the first 5xx bodies,
what went missing, ``flask points verify``'s output and the servers' logs.
"""
from __future__ import annotations

import pytest

from app.points.rules import ANSWER_UPVOTED, capped_amount
from tests.system.checks import Findings, check_mix, check_votes, points_verify, user_points
from tests.system.workload import (
    ANSWER, BODY, TITLE, Client, Ledger, Tally, ask_then_answer, insist, questions_in_a_row, seed,
    vote_together, writers_mix,
)

pytestmark = pytest.mark.system

KINDS = ["flask-run", "gunicorn-sync", "topology"]


@pytest.fixture(scope="module", params=KINDS)
def served(request, serve, plain_template):
    return serve(request.param, plain_template)


@pytest.fixture(scope="module", params=KINDS)
def served_imported(request, serve, imported_template):
    return serve(request.param, imported_template)


def seeded(served, tally, label):
    try:
        return seed(served.url, served.people.writers, tally, label=label)
    except RuntimeError as err:
        pytest.fail(served.report(str(err)), pytrace=False)


def test_fifty_concurrent_writers_lose_nothing(served):
    """Votes, answers, accepts and comments from 50 clients at once: no 5xx, every score equals
    its votes, every acknowledged write is there, and the points ledger verifies."""
    seed_tally, tally = Tally(), Tally()
    posts = seeded(served, seed_tally, "mix")
    ledger, seconds = writers_mix(served.url, served.people.writers, posts, tally)
    findings = check_mix(served.url, served.people.admin.token, served.database_url, posts, ledger)
    report = served.report(f"seed: {seed_tally.summary()}",
                           f"mix ({seconds:.1f}s): {tally.summary()}", findings.text())
    assert seed_tally.failed == 0 and tally.failed == 0 and not findings.problems, report


def expected_upvote_points(votes: int, earned_before: int = 0) -> int:
    """What ``votes`` answer upvotes pay by app/points/rules.py, one after another, within the
    daily cap (the author earned ``earned_before`` capped points earlier today)."""
    earned = earned_before
    for _ in range(votes):
        earned += capped_amount(ANSWER_UPVOTED.amount, earned)
    return earned - earned_before


def test_forty_moderators_upvote_one_answer_at_once_twice(served):
    """Issue 11: +40 exactly, the author paid exactly what the rules say within the daily cap, the
    second round a no-op (repeating a vote is a no-op, API.md), no failed request."""
    people, setup, tally = served.people, Tally(), Tally()
    question = insist(Client(served.url, people.asker.token, setup), "POST", "/api/v1/questions",
                      {"title": TITLE.format(n="forty"), "body": BODY.format(n="forty"), "tags": ["cards"],
                       "visibility": "public"})
    answer = question and insist(Client(served.url, people.author.token, setup), "POST",
                                 f"/api/v1/questions/{question['id']}/answers", {"body": ANSWER.format(n="forty")})
    assert answer, served.report(f"setup: {setup.summary()}")
    before = user_points(served.url, people.admin.token, people.author.id)

    ledger = Ledger()
    rounds = [vote_together(served.url, people.moderators, "a", answer["id"], +1, tally, ledger) for _ in range(2)]
    findings = Findings()
    scores = check_votes(served.url, people.admin.token, served.database_url, [question["id"]], ledger, findings)
    after = user_points(served.url, people.admin.token, people.author.id)
    points_verify(served.database_url, findings)

    expected = expected_upvote_points(len(people.moderators))
    report = served.report(f"setup: {setup.summary()}",
                           f"votes: {tally.summary()}\nrounds took {rounds[0]:.2f}s and {rounds[1]:.2f}s",
                           f"score {scores.get(('a', answer['id']))}, author points {before} -> {after} "
                           f"(expected +{expected})", findings.text())
    assert setup.failed == 0 and tally.failed == 0 and set(tally.statuses) == {200}, report
    assert scores[("a", answer["id"])] == len(people.moderators), report
    assert after - before == expected, report
    assert not findings.problems, report


def test_asking_then_answering_at_once_twenty_times(served):
    """The routing job of each new question commits between the ask and the answer."""
    tally = Tally()
    asked = ask_then_answer(served.url, served.people.solo, tally, rounds=20)
    assert tally.failed == 0 and len(asked) == 20 and tally.statuses[201] == 40, served.report(tally.summary())


def test_two_questions_in_a_row_on_an_imported_site(served_imported):
    """About 1,000 imported questions (the beer dump): the second question must not fail."""
    tally = Tally()
    questions_in_a_row(served_imported.url, served_imported.people.solo, tally, pairs=3)
    assert tally.failed == 0 and tally.statuses[201] == 6, served_imported.report(tally.summary())
