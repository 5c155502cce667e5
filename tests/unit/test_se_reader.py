"""The Stack Exchange dump reader and the validation pass (pure: no app, no database).

Fixtures are tiny dumps written into tmp_path by the tests themselves.
"""
from __future__ import annotations

import tracemalloc
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from app.importer import stackexchange as se
from app.importer.scan import scan_dump


def write_xml(directory: Path, name: str, rows: list[dict]) -> Path:
    """Write ``rows`` as ``<root><row .../></root>`` the way the dumps do (BOM included)."""
    root = ET.Element(name.removesuffix(".xml").lower())
    for attrs in rows:
        ET.SubElement(root, "row", {k: str(v) for k, v in attrs.items()})
    path = directory / name
    path.write_bytes(b"\xef\xbb\xbf" + ET.tostring(root, encoding="utf-8", xml_declaration=True))
    return path


def minimal_dump(directory: Path) -> Path:
    write_xml(directory, "Users.xml", [{"Id": 1, "DisplayName": "Ann", "CreationDate": "2014-01-21T20:21:18.797"}])
    write_xml(directory, "Posts.xml", [
        {"Id": 1, "PostTypeId": 1, "CreationDate": "2014-01-21T20:26:05.383", "Score": 2, "Title": "Hops?",
         "Body": "<p>What are <b>citra</b> hops?</p>", "OwnerUserId": 1, "Tags": "<hops><ipa>",
         "AcceptedAnswerId": 2, "ClosedDate": "2015-02-03T04:05:06"},
        {"Id": 2, "PostTypeId": 2, "ParentId": 1, "CreationDate": "2014-01-22T00:00:00", "Score": 1,
         "Body": "<p>A hop.</p>"},
        {"Id": 3, "PostTypeId": 1, "CreationDate": "2020-01-01T00:00:00", "Score": 0, "Title": "Wine?",
         "Body": "<p>x</p>", "Tags": "|wine|red-wine|"},
        {"Id": 4, "PostTypeId": 5, "CreationDate": "2020-01-01T00:00:00", "Body": "tag wiki"},
    ])
    return directory


# --- values ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("<beer><india-pale-ale>", ("beer", "india-pale-ale")),
    ("|beer|india-pale-ale|", ("beer", "india-pale-ale")),
    ("|c++|", ("c++",)),
    ("<c#>", ("c#",)),
    ("", ()),
    (None, ()),
    ("  <a>  ", ("a",)),
])
def test_both_tag_formats(raw, expected):
    assert se.parse_tags(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("2014-01-21T20:26:05.383", datetime(2014, 1, 21, 20, 26, 5, 383000)),
    ("2014-01-21T20:26:05", datetime(2014, 1, 21, 20, 26, 5)),
    ("2014-01-21T20:26:05Z", datetime(2014, 1, 21, 20, 26, 5)),
    ("2014-01-21T22:26:05+02:00", datetime(2014, 1, 21, 20, 26, 5)),
])
def test_dates_are_naive_utc(raw, expected):
    parsed = se.parse_date(raw)
    assert parsed == expected and parsed.tzinfo is None


def test_bad_date_raises_value_error():
    with pytest.raises(ValueError):
        se.parse_date("yesterday")


@pytest.mark.parametrize("given, created, expected", [
    ("CC BY-SA 4.0", datetime(2010, 1, 1), "CC BY-SA 4.0"),
    (None, datetime(2011, 4, 7), "CC BY-SA 2.5"),
    (None, datetime(2011, 4, 8), "CC BY-SA 3.0"),
    (None, datetime(2018, 5, 1), "CC BY-SA 3.0"),
    (None, datetime(2018, 5, 2), "CC BY-SA 4.0"),
])
def test_license_by_date_when_the_row_has_none(given, created, expected):
    assert se.license_for(given, created) == expected


@pytest.mark.parametrize("directory, site, expected", [
    ("/data/beer", None, "beer.stackexchange.com"),
    ("/data/Beer", None, "beer.stackexchange.com"),
    ("/data/beer.stackexchange.com", None, "beer.stackexchange.com"),
    ("/data/stackoverflow", None, "stackoverflow.com"),
    ("/data/x", "ai", "ai.stackexchange.com"),
    ("/data/x", "https://ai.stackexchange.com/", "ai.stackexchange.com"),
    ("/data/x", "mathoverflow", "mathoverflow.net"),
])
def test_site_detection(directory, site, expected):
    assert se.detect_site(directory, site) == expected


def test_unusable_site_name():
    with pytest.raises(ValueError, match="--site"):
        se.detect_site("/data/x", "not a host!")


# --- reading -----------------------------------------------------------------------------------

def test_read_posts_typed_rows(tmp_path):
    posts = list(se.read_posts(minimal_dump(tmp_path)))
    assert [p.post_type_id for p in posts] == [1, 2, 1, 5]
    question, answer, other, _wiki = posts
    assert question.title == "Hops?" and question.body == "<p>What are <b>citra</b> hops?</p>"
    assert question.tags == ("hops", "ipa") and other.tags == ("wine", "red-wine")
    assert question.creation_date == datetime(2014, 1, 21, 20, 26, 5, 383000)
    assert question.closed_date == datetime(2015, 2, 3, 4, 5, 6) and other.closed_date is None
    assert question.accepted_answer_id == 2 and question.owner_user_id == 1 and other.owner_user_id is None
    assert answer.parent_id == 1 and answer.title is None


def test_optional_files_yield_nothing_when_absent(tmp_path):
    minimal_dump(tmp_path)
    assert list(se.read_comments(tmp_path)) == []
    assert list(se.read_votes(tmp_path)) == []
    assert list(se.read_post_links(tmp_path)) == []
    assert list(se.read_tags(tmp_path)) == []


def test_file_names_match_case_insensitively(tmp_path):
    write_xml(tmp_path, "Users.xml", [])
    (tmp_path / "Users.xml").rename(tmp_path / "users.xml")
    assert se.find_file(tmp_path, "Users.xml", required=True).name == "users.xml"


def test_missing_required_file(tmp_path):
    write_xml(tmp_path, "Users.xml", [])
    with pytest.raises(se.ImportFormatError) as err:
        list(se.read_posts(tmp_path))
    assert err.value.file == "Posts.xml" and "Posts.xml" in str(err.value) and "missing" in str(err.value)


def test_missing_directory(tmp_path):
    with pytest.raises(se.ImportFormatError, match="not a directory"):
        list(se.read_users(tmp_path / "nope"))


def test_malformed_xml_names_file_and_line(tmp_path):
    path = write_xml(tmp_path, "Posts.xml", [{"Id": i, "PostTypeId": 2, "ParentId": 1,
                                              "CreationDate": "2014-01-01T00:00:00"} for i in range(1, 4)])
    text = path.read_text(encoding="utf-8-sig").replace("><", ">\n<")
    path.write_text(text[: text.rindex("<row")] + '<row Id="9" PostTypeId=', encoding="utf-8")  # truncated
    with pytest.raises(se.ImportFormatError) as err:
        list(se.read_posts(tmp_path))
    assert err.value.file == "Posts.xml" and err.value.line == 5
    assert str(err.value).startswith("Posts.xml, line 5: malformed XML")


def test_bad_value_names_row_and_id(tmp_path):
    write_xml(tmp_path, "Comments.xml", [
        {"Id": 1, "PostId": 1, "Text": "fine", "CreationDate": "2014-01-01T00:00:00"},
        {"Id": 2, "PostId": "one", "Text": "bad", "CreationDate": "2014-01-01T00:00:00"},
    ])
    with pytest.raises(se.ImportFormatError) as err:
        list(se.read_comments(tmp_path))
    assert err.value.row == 2 and "PostId" in str(err.value) and "Id=2" in str(err.value)


def test_missing_required_attribute(tmp_path):
    write_xml(tmp_path, "Posts.xml", [{"Id": 1, "PostTypeId": 1, "CreationDate": "2014-01-01T00:00:00"}])
    with pytest.raises(se.ImportFormatError, match="Title is missing"):
        list(se.read_posts(tmp_path))


def test_wrong_root_element(tmp_path):
    write_xml(tmp_path, "Users.xml", [])
    (tmp_path / "Posts.xml").write_bytes((tmp_path / "Users.xml").read_bytes())
    with pytest.raises(se.ImportFormatError, match="expected <posts>"):
        list(se.read_posts(tmp_path))


def test_rows_are_cleared_as_they_stream(tmp_path):
    """Bounded memory: 20,000 rows (~3 MB of XML) are read with a small, flat peak."""
    write_xml(tmp_path, "Votes.xml", [{"Id": i, "PostId": i % 97 + 1, "VoteTypeId": 2,
                                       "CreationDate": "2014-01-21T00:00:00.000", "Padding": "x" * 60}
                                      for i in range(1, 20_001)])
    tracemalloc.start()
    try:
        count = sum(1 for _ in se.read_votes(tmp_path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 2_000_000  # keeping the rows would take well over 10 MB


# --- the validation pass -------------------------------------------------------------------------

def test_scan_counts_and_checks_votes(tmp_path):
    minimal_dump(tmp_path)
    write_xml(tmp_path, "Votes.xml", [
        {"Id": 1, "PostId": 1, "VoteTypeId": 2}, {"Id": 2, "PostId": 1, "VoteTypeId": 2},
        {"Id": 3, "PostId": 2, "VoteTypeId": 3}, {"Id": 4, "PostId": 2, "VoteTypeId": 10},
        {"Id": 5, "PostId": 99, "VoteTypeId": 2},
    ])
    write_xml(tmp_path, "PostLinks.xml", [{"Id": 1, "PostId": 3, "RelatedPostId": 1, "LinkTypeId": 3},
                                          {"Id": 2, "PostId": 3, "RelatedPostId": 1, "LinkTypeId": 1}])
    scan = scan_dump(tmp_path, "beer")
    assert (scan.site, scan.users, scan.questions, scan.answers, scan.other_posts) == \
        ("beer.stackexchange.com", 1, 2, 1, 1)
    assert scan.accepted == {1: 2} and scan.duplicates == [(3, 1)]
    assert scan.tag_names == {"hops", "ipa", "wine", "red-wine"}
    assert scan.votes == {"up": 3, "down": 1, "other": 1} and scan.votes_on_unknown_posts == 1
    assert scan.score_mismatches == 1  # post 2: Score 1, votes -1; posts 1 and 3 agree


def test_scan_fails_on_a_malformed_optional_file(tmp_path):
    minimal_dump(tmp_path)
    (tmp_path / "Tags.xml").write_text("<tags><row Id='1' TagName='x'></tags>", encoding="utf-8")
    with pytest.raises(se.ImportFormatError, match="Tags.xml, line 1: malformed XML"):
        scan_dump(tmp_path, "beer")


def test_scan_fails_fast_on_missing_users(tmp_path):
    write_xml(tmp_path, "Posts.xml", [])
    with pytest.raises(se.ImportFormatError, match="Users.xml"):
        scan_dump(tmp_path, "beer")
