"""First pass over a dump: validate every file before anything is written (pure: no db).

The loader writes in one transaction and rolls back on error anyway; this pass makes the
common failures (missing file, truncated or malformed XML, bad values) fail before the
database write lock is taken, and gathers the few small facts the write pass needs.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.importer import stackexchange as se


@dataclass
class DumpScan:
    """What a validated dump contains. Memory is a few ints per post, never the content."""
    directory: Path
    site: str
    users: int = 0
    questions: int = 0
    answers: int = 0
    other_posts: int = 0            # tag wikis, excerpts, ...: not imported
    comments: int = 0
    tag_names: set[str] = field(default_factory=set)              # as written in Tags.xml and posts
    accepted: dict[int, int] = field(default_factory=dict)        # question id -> accepted answer id
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (duplicate, original), file order
    votes: Counter = field(default_factory=Counter)               # "up", "down", "other"
    votes_on_unknown_posts: int = 0
    score_mismatches: int = 0       # posts whose Score differs from up - down in Votes.xml
    has_votes: bool = False

    @property
    def load_rows(self) -> int:
        """Rows the write pass handles (users, posts twice, comments): the progress bar's length."""
        posts = self.questions + self.answers + self.other_posts
        return self.users + 2 * posts + self.comments


def scan_dump(directory: str | Path, site: str | None = None,
              progress: Callable[[str], None] | None = None) -> DumpScan:
    """Read and validate every file of the dump at ``directory``.

    ``progress(file_name)`` is called as each file starts. Raises ImportFormatError (missing
    directory or required file, malformed XML, bad values) and ValueError (unusable site name).
    """
    directory = Path(directory)
    for name in se.REQUIRED_FILES:  # fail on a missing file before spending time on the others
        se.find_file(directory, name, required=True)
    scan = DumpScan(directory=directory, site=se.detect_site(directory, site))
    step = progress or (lambda _name: None)

    step(se.USERS)
    scan.users = sum(1 for _ in se.read_users(directory))

    step(se.TAGS)
    scan.tag_names.update(t.tag_name for t in se.read_tags(directory))

    step(se.POSTS)
    scores: dict[int, int] = {}
    for post in se.read_posts(directory):
        if post.post_type_id == se.QUESTION:
            scan.questions += 1
            scan.tag_names.update(post.tags)
            if post.accepted_answer_id:
                scan.accepted[post.id] = post.accepted_answer_id
        elif post.post_type_id == se.ANSWER:
            scan.answers += 1
        else:
            scan.other_posts += 1
            continue
        scores[post.id] = post.score

    step(se.COMMENTS)
    scan.comments = sum(1 for _ in se.read_comments(directory))

    step(se.POST_LINKS)
    scan.duplicates = [(link.post_id, link.related_post_id) for link in se.read_post_links(directory)
                       if link.link_type_id == se.LINK_DUPLICATE]

    step(se.VOTES)
    _check_votes(scan, scores)
    return scan


def _check_votes(scan: DumpScan, scores: dict[int, int]) -> None:
    """Tally Votes.xml and compare up - down with each post's Score (a consistency check of the
    dump: the imported score is the dump's Score either way, see loader)."""
    net: Counter = Counter()
    for vote in se.read_votes(scan.directory):
        scan.has_votes = True
        if vote.vote_type_id not in (se.UPVOTE, se.DOWNVOTE):
            scan.votes["other"] += 1
            continue
        scan.votes["up" if vote.vote_type_id == se.UPVOTE else "down"] += 1
        if vote.post_id not in scores:
            scan.votes_on_unknown_posts += 1
        net[vote.post_id] += 1 if vote.vote_type_id == se.UPVOTE else -1
    if scan.has_votes:
        scan.score_mismatches = sum(1 for post_id, score in scores.items() if net.get(post_id, 0) != score)
