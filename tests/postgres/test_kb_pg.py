"""The knowledge base under concurrency on PostgreSQL: each thread is one request (its own app
context, session and connection, one unit of work with the house's retries). Promoting an
answer from several places at once makes one article; simultaneous helpful votes are all
counted; the same vote sent at once from two tabs counts once."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from test_kb_helpers import make_people, publish_article, thread

from app.accounts import services as accounts
from app.accounts.models import User
from app.db import run_in_transaction
from app.errors import Conflict
from app.extensions import db
from app.forum.models import Answer
from app.kb.models import Article, ArticleFeedback
from app.kb.services import AlreadyPromoted, promote_answers, record_feedback

pytestmark = pytest.mark.postgres
THREADS = 8


def _request(app, barrier: threading.Barrier, work):
    """Run ``work()`` as one request does: its own context and session, one unit of work."""
    with app.app_context():
        barrier.wait(timeout=30)
        try:
            return run_in_transaction(work, session=db.session, write=True)
        except Conflict as err:
            return err
        finally:
            db.session.remove()


def test_concurrent_promotions_of_one_answer_make_one_article(app):
    people = make_people()
    _, reply = thread(people, "Promoted from many tabs at once")
    answer_id, curators = reply.id, [people.moderator.id, people.admin.id]
    barrier = threading.Barrier(THREADS)

    def promote(n):
        def work():
            by = db.session.get(User, curators[n % 2])
            return promote_answers(db.session, db.session.get(Answer, answer_id), by=by).id
        return _request(app, barrier, work)
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(promote, range(THREADS)))
    made = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, AlreadyPromoted)]
    assert len(made) == 1 and len(refused) == THREADS - 1, results
    assert {r.article_id for r in refused} == set(made)
    assert db.session.scalar(select(func.count(Article.id))) == 1


def test_simultaneous_votes_are_all_counted_and_a_doubled_vote_once(app):
    people = make_people()
    article = publish_article(people, "Voted on by many at once")
    readers = [accounts.create_user(db.session, f"reader{n}", None, role="customer").id for n in range(THREADS)]
    db.session.commit()
    article_id = article.id
    barrier = threading.Barrier(THREADS)

    def vote(n):
        def work():
            return record_feedback(db.session, db.session.get(Article, article_id), helpful=n % 2 == 0,
                                   by=db.session.get(User, readers[n]))[0].id
        return _request(app, barrier, work)
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(vote, range(THREADS)))
    db.session.expire_all()
    fresh = db.session.get(Article, article_id)
    assert (fresh.helpful_count, fresh.unhelpful_count) == (THREADS // 2, THREADS // 2)

    def same_vote(_):   # one reader, the same vote from every tab at the same moment
        def work():
            return record_feedback(db.session, db.session.get(Article, article_id), helpful=True,
                                   by=None, visitor_key="tab-visitor", address_key="tab-address")[0].id
        return _request(app, barrier, work)
    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(same_vote, range(THREADS)))
    db.session.expire_all()
    assert len(set(ids)) == 1 and db.session.get(Article, article_id).helpful_count == THREADS // 2 + 1
    assert db.session.scalar(select(func.count(ArticleFeedback.id))) == THREADS + 1
