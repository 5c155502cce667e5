"""Search documents are built from plain dicts, without Flask or a database."""
from datetime import datetime

from app.search.documents import ANSWERS_LIMIT, MARK_CHARS, article_document, question_document


def question(**kw):
    q = {"id": 7, "title": "Card frozen", "slug": "card-frozen", "body_html": "<p>It is <b>frozen</b>.</p>",
         "tags": ["cards"], "visibility": "team", "team_id": 2, "score": 3, "answer_count": 1,
         "accepted_answer_id": 70, "closed_at": None, "deleted_at": None,
         "created_at": datetime(2024, 5, 1, 8, 30), "source_url": None}
    q.update(kw)
    return q


def test_question_document_fields():
    answers = [{"id": 71, "body_html": "<p>Second</p>", "score": 9, "deleted_at": None},
               {"id": 70, "body_html": "<p>Accepted</p>", "score": 1, "deleted_at": None},
               {"id": 72, "body_html": "<p>Gone</p>", "score": 99, "deleted_at": datetime(2024, 6, 1)}]
    doc = question_document(question(), answers)
    assert doc["key"] == "question-7" and doc["type"] == "question" and doc["body"] == "It is frozen ."
    assert doc["answers"] == "Accepted\nSecond"                     # accepted first, deleted left out
    assert (doc["visibility"], doc["team_id"]) == ("team", 2)
    assert doc["is_answered"] and doc["is_accepted"] and not doc["is_closed"]
    assert doc["created_at"] == "2024-05-01T08:30:00" and doc["created_ts"] == 1714552200


def test_deleted_questions_have_no_document():
    assert question_document(question(deleted_at=datetime(2024, 1, 1))) is None


def test_mark_characters_cannot_be_injected_and_answers_are_capped():
    doc = question_document(question(title="a\ue000b"), [{"id": 1, "body_html": "x" * (ANSWERS_LIMIT + 50),
                                                           "score": 0, "deleted_at": None}])
    assert not any(ch in doc["title"] for ch in MARK_CHARS)
    assert len(doc["answers"]) <= ANSWERS_LIMIT


def test_articles_use_the_same_document_shape():
    art = {"id": 3, "title": "Card replacement policy", "slug": "card-replacement", "body_html": "<p>Policy</p>",
           "categories": ["cards"], "audience": "internal", "team_id": None, "status": "published",
           "created_at": datetime(2024, 1, 1), "source_url": None}
    doc = article_document(art)
    assert doc["key"] == "article-3" and doc["type"] == "article"
    assert set(doc) == set(question_document(question()))
    assert article_document(dict(art, status="draft")) is None
