"""Streaming reader for Stack Exchange data dumps (pure: no Flask, no database).

A dump directory holds one XML file per table, each a root element with ``<row .../>``
children whose attributes are the columns. Files used here:

* required: ``Posts.xml`` and ``Users.xml`` (a dump without them is not a dump);
* optional: ``Comments.xml``, ``Votes.xml``, ``PostLinks.xml``, ``Tags.xml``: when absent,
  their ``read_*`` function yields nothing. ``Badges.xml`` and ``PostHistory.xml`` are not read.

Every reader streams with ``iterparse`` and clears each row once it is converted, so memory
stays bounded whatever the file size. Problems raise :class:`ImportFormatError` naming the
file and, where known, the line (XML syntax errors) or the row number (bad attribute values).
Dates become naive UTC datetimes, like every ``*_at`` column of the application.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

USERS, POSTS, COMMENTS, VOTES, POST_LINKS, TAGS = (
    "Users.xml", "Posts.xml", "Comments.xml", "Votes.xml", "PostLinks.xml", "Tags.xml")
REQUIRED_FILES = (POSTS, USERS)
OPTIONAL_FILES = (COMMENTS, VOTES, POST_LINKS, TAGS)

QUESTION, ANSWER = 1, 2          # PostTypeId; others (tag wikis, excerpts, ...) are not forum posts
UPVOTE, DOWNVOTE = 2, 3          # VoteTypeId
ACCEPTED_BY_ORIGINATOR = 1       # VoteTypeId of an accept: dates it
LINK_DUPLICATE = 3               # PostLinks LinkTypeId: PostId duplicates RelatedPostId


class ImportFormatError(Exception):
    """A dump file is missing or malformed. ``str()`` names the file and the position."""

    def __init__(self, file: str, message: str, *, line: int | None = None, row: int | None = None):
        self.file, self.message, self.line, self.row = file, message, line, row
        where = "".join([f", line {line}" if line else "", f", row {row}" if row else ""])
        super().__init__(f"{file}{where}: {message}")


# --- rows ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    display_name: str
    creation_date: datetime
    last_access_date: datetime | None
    reputation: int


@dataclass(frozen=True, slots=True)
class PostRow:
    id: int
    post_type_id: int
    creation_date: datetime
    score: int
    body: str
    owner_user_id: int | None
    owner_display_name: str | None
    last_activity_date: datetime | None
    last_edit_date: datetime | None
    content_license: str | None
    parent_id: int | None            # answers
    accepted_answer_id: int | None   # questions from here on
    title: str | None
    tags: tuple[str, ...]
    view_count: int
    closed_date: datetime | None


@dataclass(frozen=True, slots=True)
class CommentRow:
    id: int
    post_id: int
    score: int
    text: str
    creation_date: datetime
    user_id: int | None
    user_display_name: str | None
    content_license: str | None


@dataclass(frozen=True, slots=True)
class VoteRow:
    id: int
    post_id: int
    vote_type_id: int
    creation_date: datetime | None
    user_id: int | None


@dataclass(frozen=True, slots=True)
class PostLinkRow:
    id: int
    post_id: int
    related_post_id: int
    link_type_id: int
    creation_date: datetime | None


@dataclass(frozen=True, slots=True)
class TagRow:
    id: int
    tag_name: str
    count: int


# --- value parsing -----------------------------------------------------------------------------

def parse_date(value: str) -> datetime:
    """``2014-01-21T20:26:05.383`` (or with an offset/``Z``) to a naive UTC datetime.

    Raises ValueError for anything else."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


_ANGLE_TAGS = re.compile(r"<([^<>]*)>")


def parse_tags(value: str | None) -> tuple[str, ...]:
    """Tag names from either dump format: ``<a><b>`` (older) or ``|a|b|`` (newer). Empty names
    are dropped; names are returned as written (normalising is the loader's business)."""
    value = (value or "").strip()
    if not value:
        return ()
    parts = _ANGLE_TAGS.findall(value) if value.startswith("<") else value.split("|")
    return tuple(p.strip() for p in parts if p.strip())


# CC BY-SA version by creation date when a row has no ContentLicense (see the dumps' NOTICE.md).
_LICENSE_STEPS = ((datetime(2011, 4, 8), "CC BY-SA 2.5"), (datetime(2018, 5, 2), "CC BY-SA 3.0"))


def license_for(content_license: str | None, created: datetime) -> str:
    """The row's own ContentLicense, else the version in force when it was created."""
    if content_license:
        return content_license
    for until, name in _LICENSE_STEPS:
        if created < until:
            return name
    return "CC BY-SA 4.0"


# --- site detection ------------------------------------------------------------------------------

_HOST_RE = re.compile(r"^(?=.{3,100}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
# Sites of the network that do not live under stackexchange.com.
_OWN_DOMAINS = {"stackoverflow": "stackoverflow.com", "serverfault": "serverfault.com",
                "superuser": "superuser.com", "askubuntu": "askubuntu.com",
                "mathoverflow": "mathoverflow.net", "stackapps": "stackapps.com"}


def detect_site(directory: str | Path, site: str | None = None) -> str:
    """The site's host name, used in ``source_site`` and in every ``source_url``.

    Rule: take ``site`` if given, else the directory's name; lower-case it, drop a scheme,
    a path and an archive suffix (``.7z``); a name with a dot is already a host
    (``beer.stackexchange.com``, ``stackoverflow.com``); a bare name is a network site
    (``beer`` -> ``beer.stackexchange.com``; ``stackoverflow``, ``superuser``, ... -> their own
    domains). Raises ValueError when the result is not a plausible host name.
    """
    raw = site if site else Path(directory).resolve().name
    name = re.sub(r"^[a-z]+://", "", raw.strip().lower()).split("/")[0]
    name = re.sub(r"\.7z$", "", name)
    if "." not in name:
        name = _OWN_DOMAINS.get(name, f"{name}.stackexchange.com")
    if not _HOST_RE.match(name):
        raise ValueError(f"cannot use {raw!r} as a site host name; pass --site HOST")
    return name


# --- files and rows ------------------------------------------------------------------------------

def find_file(directory: str | Path, name: str, *, required: bool) -> Path | None:
    """Path of ``name`` in ``directory`` (matched case-insensitively), None when an optional file
    is absent. Raises ImportFormatError for a missing directory or required file."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFormatError(str(directory), "not a directory")
    exact = directory / name
    if exact.is_file():
        return exact
    for candidate in directory.iterdir():
        if candidate.name.lower() == name.lower() and candidate.is_file():
            return candidate
    if required:
        raise ImportFormatError(name, f"required file missing in {directory}")
    return None


def iter_rows(path: Path, root: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number from 1, attributes) of each ``<row>`` in ``path``, whose root element must be
    ``root``. The attribute dict is only valid until the next item: rows are cleared as we go."""
    name = path.name
    try:
        with path.open("rb") as stream:
            top = None
            number = 0
            for event, elem in ET.iterparse(stream, events=("start", "end")):
                if top is None:
                    top = elem
                    if elem.tag.lower() != root:
                        raise ImportFormatError(name, f"root element is <{elem.tag}>, expected <{root}>")
                elif event == "end" and elem.tag == "row":
                    number += 1
                    yield number, elem.attrib
                    top.clear()  # drops the finished row (and its attributes) from the tree
    except ET.ParseError as err:
        line, column = err.position if err.position else (None, None)
        detail = re.sub(r": line \d+, column \d+$", "", str(err))
        at = f" at column {column}" if column is not None else ""
        raise ImportFormatError(name, f"malformed XML: {detail}{at}", line=line) from None
    except OSError as err:
        raise ImportFormatError(name, f"cannot read: {err.strerror or err}") from None


class _Row:
    """Typed access to one row's attributes; conversion errors name the file, row and Id."""
    __slots__ = ("file", "number", "attrs")

    def __init__(self, file: str, number: int, attrs: dict[str, str]):
        self.file, self.number, self.attrs = file, number, attrs

    def fail(self, message: str) -> ImportFormatError:
        ident = self.attrs.get("Id")
        return ImportFormatError(self.file, f"{message}{f' (Id={ident})' if ident else ''}", row=self.number)

    def _convert(self, key: str, convert: Callable, required: bool):
        value = self.attrs.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(f"attribute {key} is missing")
            return None
        try:
            return convert(value)
        except ValueError:
            raise self.fail(f"attribute {key} is not valid: {value[:40]!r}") from None

    def int_(self, key: str, required: bool = False) -> int | None:
        return self._convert(key, int, required)

    def date(self, key: str, required: bool = False) -> datetime | None:
        return self._convert(key, parse_date, required)

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.attrs.get(key)
        if value is None and required:
            raise self.fail(f"attribute {key} is missing")
        return value


def _rows(directory: str | Path, file: str, required: bool) -> Iterator[_Row]:
    path = find_file(directory, file, required=required)
    if path is None:
        return
    root = file.removesuffix(".xml").lower()
    for number, attrs in iter_rows(path, root):
        yield _Row(path.name, number, attrs)


def read_users(directory: str | Path) -> Iterator[UserRow]:
    """Users.xml (required)."""
    for r in _rows(directory, USERS, True):
        yield UserRow(id=r.int_("Id", True), display_name=r.text("DisplayName") or "",
                      creation_date=r.date("CreationDate", True), last_access_date=r.date("LastAccessDate"),
                      reputation=r.int_("Reputation") or 0)


def read_posts(directory: str | Path) -> Iterator[PostRow]:
    """Posts.xml (required). Questions must carry a Title, answers a ParentId."""
    for r in _rows(directory, POSTS, True):
        kind = r.int_("PostTypeId", True)
        yield PostRow(
            id=r.int_("Id", True), post_type_id=kind, creation_date=r.date("CreationDate", True),
            score=r.int_("Score") or 0, body=r.text("Body") or "", owner_user_id=r.int_("OwnerUserId"),
            owner_display_name=r.text("OwnerDisplayName"), last_activity_date=r.date("LastActivityDate"),
            last_edit_date=r.date("LastEditDate"), content_license=r.text("ContentLicense"),
            parent_id=r.int_("ParentId", kind == ANSWER), accepted_answer_id=r.int_("AcceptedAnswerId"),
            title=r.text("Title", kind == QUESTION), tags=parse_tags(r.text("Tags")),
            view_count=r.int_("ViewCount") or 0, closed_date=r.date("ClosedDate"))


def read_comments(directory: str | Path) -> Iterator[CommentRow]:
    """Comments.xml (optional: yields nothing when absent)."""
    for r in _rows(directory, COMMENTS, False):
        yield CommentRow(id=r.int_("Id", True), post_id=r.int_("PostId", True), score=r.int_("Score") or 0,
                         text=r.text("Text") or "", creation_date=r.date("CreationDate", True),
                         user_id=r.int_("UserId"), user_display_name=r.text("UserDisplayName"),
                         content_license=r.text("ContentLicense"))


def read_votes(directory: str | Path) -> Iterator[VoteRow]:
    """Votes.xml (optional). Votes are anonymous: UserId is present only for a few types."""
    for r in _rows(directory, VOTES, False):
        yield VoteRow(id=r.int_("Id", True), post_id=r.int_("PostId", True),
                      vote_type_id=r.int_("VoteTypeId", True), creation_date=r.date("CreationDate"),
                      user_id=r.int_("UserId"))


def read_post_links(directory: str | Path) -> Iterator[PostLinkRow]:
    """PostLinks.xml (optional)."""
    for r in _rows(directory, POST_LINKS, False):
        yield PostLinkRow(id=r.int_("Id", True), post_id=r.int_("PostId", True),
                          related_post_id=r.int_("RelatedPostId", True), link_type_id=r.int_("LinkTypeId", True),
                          creation_date=r.date("CreationDate"))


def read_tags(directory: str | Path) -> Iterator[TagRow]:
    """Tags.xml (optional)."""
    for r in _rows(directory, TAGS, False):
        yield TagRow(id=r.int_("Id", True), tag_name=r.text("TagName", True), count=r.int_("Count") or 0)
