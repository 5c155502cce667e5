"""The figures of one import, as the CLI and the benchmark print them."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """What one import did. ``skipped`` counts rows by reason; ``seconds`` is wall time."""
    site: str
    users: int = 0
    questions: int = 0
    answers: int = 0
    comments: int = 0
    tags: int = 0
    duplicates: int = 0
    accepted: int = 0
    revisions: int = 0
    points_entries: int = 0    # ledger entries for imported votes and accepts
    skipped: Counter = field(default_factory=Counter)
    votes: Counter = field(default_factory=Counter)
    score_mismatches: int = 0
    seconds: float = 0.0

    @property
    def posts_per_second(self) -> float:
        """Imported questions and answers per second of the whole import (scan included)."""
        return (self.questions + self.answers) / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()) if n) or "none"
        votes = sum(self.votes.values())
        return (f"{self.site}: {self.users} users, {self.questions} questions, {self.answers} answers, "
                f"{self.comments} comments, {self.duplicates} duplicates, {self.tags} new tags; "
                f"skipped {sum(self.skipped.values())} ({skipped}); "
                f"votes read {votes} ({self.votes['up']} up, {self.votes['down']} down, "
                f"{self.votes['other']} other; scores from Posts.xml, {self.score_mismatches} differ); "
                f"{self.points_entries} points entries; "
                f"{self.seconds:.2f} s, {self.posts_per_second:.0f} posts/s")
