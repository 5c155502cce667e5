"""What a concurrent run must leave behind, read back through the API and the database.

* every post's score, as the API shows it, equals the sum of its ``votes`` rows;
* every acknowledged vote is in ``votes`` with the acknowledged value ("lost votes" otherwise);
* every acknowledged accept, answer and comment is there;
* ``flask points verify`` exits 0.

:class:`Findings` collects the problems; empty means the run is consistent. Its text, with the
tally and the servers' logs, is the failure message of a system test.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import requests
from sqlalchemy import create_engine, text

from tests.system.servers import flask_cli
from tests.system.workload import TIMEOUT, Ledger, Posts


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    lost_votes: int = 0
    verify_output: str = ""

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def text(self, limit: int = 25) -> str:
        shown = self.problems[:limit]
        more = len(self.problems) - len(shown)
        lines = [f"lost votes: {self.lost_votes}", *shown]
        if more:
            lines.append(f"... and {more} more")
        lines.append(f"points verify: {self.verify_output.strip()}")
        return "\n".join(lines)


def api_scores(base_url: str, token: str, question_ids) -> dict[tuple[str, int], int]:
    """("q"|"a", id) -> score, as ``GET /api/v1/questions/<id>`` shows them."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    scores = {}
    for qid in question_ids:
        response = http.get(f"{base_url}/api/v1/questions/{qid}", timeout=TIMEOUT)
        response.raise_for_status()
        body = response.json()
        scores[("q", qid)] = body["score"]
        for answer in body["answers"]:
            scores[("a", answer["id"])] = answer["score"]
    http.close()
    return scores


def vote_rows(database_url: str) -> dict[tuple[int, str, int], int]:
    """(user id, "q"|"a", post id) -> value, straight from the ``votes`` table."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT user_id, question_id, answer_id, value FROM votes")).all()
    finally:
        engine.dispose()
    return {(u, "q" if q is not None else "a", q if q is not None else a): v for u, q, a, v in rows}


def points_verify(database_url: str, findings: Findings) -> None:
    proc = flask_cli(database_url, "points", "verify", check=False)
    findings.verify_output = (proc.stdout + proc.stderr).strip()[-2000:]
    if proc.returncode != 0:
        findings.add(f"`flask points verify` exited {proc.returncode}")


def check_votes(base_url: str, token: str, database_url: str, question_ids, ledger: Ledger,
                findings: Findings) -> dict[tuple[str, int], int]:
    """Scores against vote rows for the posts of ``question_ids``, and the acknowledged votes
    against the rows. Returns the API scores."""
    scores = api_scores(base_url, token, question_ids)
    rows = vote_rows(database_url)
    sums: dict[tuple[str, int], int] = {}
    for (_user, kind, pid), value in rows.items():
        sums[(kind, pid)] = sums.get((kind, pid), 0) + value
    for post, score in sorted(scores.items()):
        if score != sums.get(post, 0):
            findings.add(f"{post[0]}{post[1]}: score {score} but its votes sum to {sums.get(post, 0)}")
    for (user, kind, pid), value in sorted(ledger.votes.items()):
        if value is None:
            continue  # the last vote's outcome is unknown (5xx or no answer): nothing to hold it to
        stored = rows.get((user, kind, pid), 0)
        if stored != value:
            findings.lost_votes += 1
            findings.add(f"user {user}'s vote {value:+d} on {kind}{pid} was acknowledged, the table has {stored:+d}")
    return scores


def check_mix(base_url: str, token: str, database_url: str, posts: Posts, ledger: Ledger) -> Findings:
    """Everything the 50-writer mix must leave behind."""
    findings = Findings()
    if ledger.skipped:
        findings.add(f"{ledger.skipped} operations not attempted: the run's time budget ran out")
    check_votes(base_url, token, database_url, posts.questions, ledger, findings)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    for qid, aid in sorted(ledger.accepted.items()):
        if aid is None:
            continue
        accepted = http.get(f"{base_url}/api/v1/questions/{qid}", timeout=TIMEOUT).json().get("accepted_answer_id")
        if accepted != aid:
            findings.add(f"question {qid}: accept of answer {aid} acknowledged last, accepted is {accepted}")
    for kind, ids in (("answers", ledger.answers), ("comments", ledger.comments)):
        for item in ids:
            status = http.get(f"{base_url}/api/v1/{kind}/{item}", timeout=TIMEOUT).status_code
            if status != 200:
                findings.add(f"{kind[:-1]} {item} was created (201) but reads {status}")
    http.close()
    points_verify(database_url, findings)
    return findings


def user_points(base_url: str, token: str, user_id: int) -> int:
    response = requests.get(f"{base_url}/api/v1/users/{user_id}", headers={"Authorization": f"Bearer {token}"},
                            timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()["points"]
