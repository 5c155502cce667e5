"""The Stack Exchange importer against the real models: a small fixture dump written by the
tests, the CLI, and the real beer dump read from ../shared (never copied into the repository)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.forum import access
from app.forum.models import Answer, Comment, Question, Revision, Tag, Vote
from app.forum.queries import list_questions, question_page
from app.importer import loader
from app.importer.loader import import_dump
from app.importer.stackexchange import ImportFormatError

REPO = Path(__file__).resolve().parents[2]
BEER = REPO / ".." / "shared" / "data" / "stackexchange" / "beer"


def write_xml(directory: Path, name: str, rows: list[dict]) -> None:
    root = ET.Element(name.removesuffix(".xml").lower())
    for attrs in rows:
        ET.SubElement(root, "row", {k: str(v) for k, v in attrs.items()})
    (directory / name).write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def q(id, owner, title, tags, created="2019-01-01T10:00:00.000", **extra):
    return {"Id": id, "PostTypeId": 1, "CreationDate": created, "Score": extra.pop("Score", 0),
            "ViewCount": 7, "Title": title, "Body": f"<p>Body of question {id}, long enough.</p>",
            "Tags": tags, "LastActivityDate": "2019-02-01T00:00:00", **({"OwnerUserId": owner} if owner else {}),
            **extra}


def a(id, parent, owner, created="2019-01-02T10:00:00.000", **extra):
    return {"Id": id, "PostTypeId": 2, "ParentId": parent, "CreationDate": created,
            "Score": extra.pop("Score", 0), "Body": f"<p>Answer {id}</p>",
            **({"OwnerUserId": owner} if owner else {}), **extra}


@pytest.fixture
def dump(tmp_path) -> Path:
    """demo.stackexchange.com: 3 questions (one closed duplicate, one anonymous), 3 answers
    (one orphan), a tag wiki, comments on both post kinds, both tag formats."""
    d = tmp_path / "demo"
    d.mkdir()
    write_xml(d, "Users.xml", [
        {"Id": -1, "DisplayName": "Community", "CreationDate": "2014-01-01T00:00:00"},
        {"Id": 1, "DisplayName": "Alice Äpfel", "CreationDate": "2014-01-01T00:00:00",
         "LastAccessDate": "2020-01-01T00:00:00"},
        {"Id": 2, "DisplayName": "bob", "CreationDate": "2014-01-01T00:00:00"},
        {"Id": 3, "DisplayName": "Carol & <Co>", "CreationDate": "2014-01-01T00:00:00"},
    ])
    write_xml(d, "Posts.xml", [
        q(1, 1, "What are citra hops?", "<beer><IPA>", Score=5, AcceptedAnswerId=3,
          ContentLicense="CC BY-SA 4.0"),
        q(2, 2, "What are citra hops, again?", "|beer|wine|", created="2010-05-01T00:00:00",
          ClosedDate="2010-05-02T00:00:00"),
        a(3, 1, 2, Score=3),
        a(4, 1, 99, OwnerDisplayName="ghost"),
        a(5, 77, 1),
        {"Id": 6, "PostTypeId": 5, "CreationDate": "2014-01-01T00:00:00", "Body": "wiki"},
        {**q(7, None, "Anonymous <b>question</b>", "<beer>", OwnerDisplayName="anon"),
         "Body": "<p>hi</p><script>alert(1)</script><img src=x onerror=alert(1)>"},
    ])
    write_xml(d, "Comments.xml", [
        {"Id": 10, "PostId": 1, "Text": "Nice **question**", "CreationDate": "2019-01-03T00:00:00", "UserId": 3},
        {"Id": 11, "PostId": 3, "Text": "Thanks", "CreationDate": "2019-01-03T00:00:00", "UserId": 1},
        {"Id": 12, "PostId": 6, "Text": "on a wiki", "CreationDate": "2019-01-03T00:00:00"},
        {"Id": 13, "PostId": 4, "Text": "who?", "CreationDate": "2019-01-03T00:00:00", "UserDisplayName": "gone"},
    ])
    write_xml(d, "Votes.xml", [{"Id": i, "PostId": 1, "VoteTypeId": 2} for i in range(1, 6)]
              + [{"Id": 9, "PostId": 3, "VoteTypeId": 2}])
    write_xml(d, "PostLinks.xml", [{"Id": 1, "PostId": 2, "RelatedPostId": 1, "LinkTypeId": 3},
                                   {"Id": 2, "PostId": 7, "RelatedPostId": 1, "LinkTypeId": 1},
                                   {"Id": 3, "PostId": 2, "RelatedPostId": 404, "LinkTypeId": 3}])
    write_xml(d, "Tags.xml", [{"Id": 1, "TagName": "beer", "Count": 3}, {"Id": 2, "TagName": "unused"}])
    return d


def by_source(session, model, source_id):
    return session.scalar(select(model).where(model.source_id == source_id))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def visible_answers(session) -> int:
    return session.scalar(select(func.count(Answer.id)).join(Question, Question.id == Answer.question_id)
                          .where(access.visible_clause(None), Answer.deleted_at.is_(None)))


def test_import_counts_and_skips(db, dump):
    report = import_dump(db.session, dump)
    db.session.commit()
    assert (report.site, report.users, report.questions, report.answers, report.comments) == \
        ("demo.stackexchange.com", 4, 3, 2, 3)
    assert report.skipped == {"answers without question": 1, "other post types": 1,
                              "comments without post": 1, "duplicate links to missing posts": 1}
    assert report.votes == {"up": 6} and report.score_mismatches == 1  # post 3: Score 3, one vote
    assert list_questions(db.session, None).total == 3 and visible_answers(db.session) == 2
    assert count(db.session, Revision) == 5 and count(db.session, Vote) == 0
    assert "3 questions, 2 answers" in report.summary()


def test_attribution_and_fields(db, dump):
    import_dump(db.session, dump)
    db.session.commit()
    q1, q7 = by_source(db.session, Question, 1), by_source(db.session, Question, 7)
    a3, a4 = by_source(db.session, Answer, 3), by_source(db.session, Answer, 4)
    assert (q1.source_site, q1.source_url, q1.source_author, q1.license) == \
        ("demo.stackexchange.com", "https://demo.stackexchange.com/q/1", "Alice Äpfel", "CC BY-SA 4.0")
    assert (q1.score, q1.view_count, q1.answer_count, q1.visibility) == (5, 7, 2, "public")
    assert q1.tag_names == ["beer", "ipa"] and q1.slug == "what-are-citra-hops"
    assert q1.author.display_name == "Alice Äpfel" and q1.author.password_hash is None
    assert q1.author.role == "customer" and q1.author.username == "alice-äpfel-1"
    assert str(q1.last_activity_at) == "2019-02-01 00:00:00" and q1.closed_at is None
    assert (a3.source_url, a3.source_author, a3.score) == ("https://demo.stackexchange.com/a/3", "bob", 3)
    assert a4.author_id is None and a4.source_author == "ghost" and a4.author_name == "ghost"
    assert a3.license == "CC BY-SA 4.0"  # no ContentLicense in the row: by date (2019)
    # Bodies are stored sanitised; the original HTML stays as the source.
    assert "<script" not in q7.body_html and "onerror" not in q7.body_html and "<script" in q7.body_md
    assert q7.title == "Anonymous <b>question</b>" and q7.author_id is None and q7.source_author == "anon"
    users = {u.source_id: u.username for u in db.session.scalars(select(User))}
    assert users == {-1: "community-m1", 1: "alice-äpfel-1", 2: "bob-2", 3: "carol-co-3"}


def test_accepted_answers_revisions_and_comments(db, dump):
    import_dump(db.session, dump)
    db.session.commit()
    q1, a3 = by_source(db.session, Question, 1), by_source(db.session, Answer, 3)
    assert q1.accepted_answer_id == a3.id
    page = question_page(db.session, q1.id, None)
    assert [x.source_id for x in page.answers] == [3, 4]  # accepted first
    rev = db.session.scalar(select(Revision).where(Revision.question_id == q1.id))
    assert (rev.number, rev.author_id, rev.title, rev.tags) == (1, q1.author_id, q1.title, "beer ipa")
    assert db.session.scalar(select(Revision.author_id).where(Revision.answer_id == a3.id)) == a3.author_id
    c10, c11, c13 = (by_source(db.session, Comment, i) for i in (10, 11, 13))
    assert c10.question_id == q1.id and c10.answer_id is None and "<strong>question</strong>" in c10.body_html
    assert c10.source_url == "https://demo.stackexchange.com/q/1#comment10_1"
    assert c10.source_author == "Carol & <Co>"
    assert c11.answer_id == a3.id and c11.source_url == "https://demo.stackexchange.com/a/3#comment11_3"
    assert c13.author_id is None and c13.source_author == "gone"


def test_duplicates_closed_state_and_tags(db, dump):
    import_dump(db.session, dump)
    db.session.commit()
    q1, q2 = by_source(db.session, Question, 1), by_source(db.session, Question, 2)
    assert q2.duplicate_of_id == q1.id and q2.close_reason == "duplicate" and q2.is_closed
    assert q2.license == "CC BY-SA 2.5"  # created 2010
    assert question_page(db.session, q2.id, None).duplicate_of.id == q1.id
    assert by_source(db.session, Question, 7).duplicate_of_id is None  # LinkTypeId 1 is only "linked"
    counts = dict(db.session.execute(select(Tag.name, Tag.question_count)).all())
    assert counts == {"beer": 3, "ipa": 1, "wine": 1, "unused": 0}


def test_running_twice_adds_nothing(db, dump):
    first = import_dump(db.session, dump)
    db.session.commit()
    snapshot = [count(db.session, m) for m in (User, Question, Answer, Comment, Revision, Tag)]
    second = import_dump(db.session, dump)
    db.session.commit()
    assert [count(db.session, m) for m in (User, Question, Answer, Comment, Revision, Tag)] == snapshot
    assert (second.users, second.questions, second.answers, second.comments, second.duplicates) == (0, 0, 0, 0, 0)
    assert second.skipped["already imported"] == first.users + first.questions + first.answers + first.comments
    assert by_source(db.session, Question, 1).answer_count == 2


def test_a_newer_dump_adds_only_new_rows_and_keeps_counters(db, dump):
    import_dump(db.session, dump)
    db.session.commit()
    posts = (dump / "Posts.xml").read_text(encoding="utf-8")
    extra = ET.tostring(ET.Element("row", {k: str(v) for k, v in a(8, 7, 2).items()}), encoding="unicode")
    (dump / "Posts.xml").write_text(posts.replace("</posts>", extra + "</posts>"), encoding="utf-8")
    report = import_dump(db.session, dump)
    db.session.commit()
    assert (report.questions, report.answers) == (0, 1)
    assert by_source(db.session, Question, 7).answer_count == 1


def test_username_collisions_get_the_site_label(db, dump, make_user):
    make_user(name="Bob-2")  # a local user; login compares usernames case-insensitively
    import_dump(db.session, dump)
    db.session.commit()
    assert db.session.scalar(select(User.username).where(User.source_id == 2)) == "bob-2-demo"


def test_malformed_file_imports_nothing(db, dump):
    text = (dump / "Comments.xml").read_text(encoding="utf-8")
    (dump / "Comments.xml").write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ImportFormatError, match="Comments.xml"):
        import_dump(db.session, dump)
    assert [count(db.session, m) for m in (User, Question, Answer, Comment, Tag)] == [0, 0, 0, 0, 0]


def test_failure_half_way_rolls_everything_back(db, dump, monkeypatch):
    def explode(_self):
        raise RuntimeError("disk full")
    monkeypatch.setattr(loader._Loader, "_link_duplicates", explode)  # after users, posts, comments
    with pytest.raises(RuntimeError, match="disk full"):
        import_dump(db.session, dump)
    db.session.commit()  # the session is usable, and there is nothing to commit
    assert [count(db.session, m) for m in (User, Question, Answer, Comment, Revision, Tag)] == [0] * 6


def test_cli_imports_and_reports(app, db, dump):
    result = app.test_cli_runner().invoke(args=["qa", "import-stackexchange", str(dump), "--site", "beer"])
    assert result.exit_code == 0, result.output
    assert "Imported beer.stackexchange.com: 4 users, 3 questions, 2 answers, 3 comments, 1 duplicates" \
        in result.output and "posts/s" in result.output
    assert db.session.scalar(select(Question.source_url).where(Question.source_id == 1)) == \
        "https://beer.stackexchange.com/q/1"


@pytest.mark.parametrize("breakage, message", [
    ("missing-dir", "not a directory"),
    ("missing-posts", "Posts.xml: required file missing"),
    ("truncated-posts", "Posts.xml, line 2: malformed XML"),
    ("bad-site", "cannot use 'no such host!' as a site host name"),
])
def test_cli_errors_exit_1_and_import_nothing(app, db, dump, breakage, message):
    target = dump
    if breakage == "missing-dir":
        target = dump / "nope"
    elif breakage == "missing-posts":
        (dump / "Posts.xml").unlink()
    elif breakage == "truncated-posts":
        text = (dump / "Posts.xml").read_text(encoding="utf-8")
        (dump / "Posts.xml").write_text(text[:-40], encoding="utf-8")
    site = ["--site", "no such host!"] if breakage == "bad-site" else []
    result = app.test_cli_runner().invoke(args=["qa", "import-stackexchange", str(target), *site])
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported" in result.output
    assert count(db.session, User) == 0


def test_real_beer_dump(db):
    """The acceptance figure of issue 2 (about 3 s on SQLite, so it stays in the default suite)."""
    assert BEER.joinpath("Posts.xml").is_file(), f"the shared beer dump is missing at {BEER.resolve()}"
    report = import_dump(db.session, BEER)
    db.session.commit()
    assert list_questions(db.session, None).total == 1029
    assert visible_answers(db.session) == 2277
    assert (report.users, report.questions, report.answers) == (6863, 1029, 2277)
    assert report.duplicates == 24  # 26 links, 2 of them to posts deleted before the dump
    first = by_source(db.session, Question, 1)
    assert first.source_url == "https://beer.stackexchange.com/q/1" and first.source_author == "Tom Medley"
    assert first.license == "CC BY-SA 3.0" and first.accepted_answer_id is not None
