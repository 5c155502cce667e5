"""The importer on PostgreSQL (RETURNING batches, correlated UPDATEs, case-insensitive usernames):
the fixture dump and the real beer dump. Runs with ``-m postgres`` (``make test-postgres``, .ci/run)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db as _db
from app.forum.models import Question, Tag
from app.forum.queries import list_questions
from app.importer.loader import import_dump
from config import TestingConfig
# The postgres suite's server and per-module database fixtures (TEST_DATABASE_URL or a throwaway server).
from tests.postgres.conftest import ENGINE_OPTIONS, pg_database_url, postgres_url  # noqa: F401
from tests.integration.test_importer import BEER, by_source, dump, visible_answers  # noqa: F401

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_database_url):  # noqa: F811 -- overrides the root SQLite app for this module
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=pg_database_url,
                     SQLALCHEMY_ENGINE_OPTIONS=ENGINE_OPTIONS)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def test_fixture_dump_on_postgres(db, dump):  # noqa: F811
    first = import_dump(db.session, dump)
    db.session.commit()
    second = import_dump(db.session, dump)
    db.session.commit()
    assert (first.questions, first.answers, first.comments, first.duplicates) == (3, 2, 3, 1)
    assert (second.questions, second.answers, second.comments) == (0, 0, 0)
    q1, q2 = by_source(db.session, Question, 1), by_source(db.session, Question, 2)
    assert q1.answer_count == 2 and q1.accepted_answer_id is not None
    assert q2.duplicate_of_id == q1.id and q2.close_reason == "duplicate"
    assert dict(db.session.execute(select(Tag.name, Tag.question_count)).all())["beer"] == 3


def test_real_beer_dump_on_postgres(db):
    report = import_dump(db.session, BEER)
    db.session.commit()
    assert (report.questions, report.answers) == (1029, 2277)
    assert list_questions(db.session, None).total == 1029 and visible_answers(db.session) == 2277
