"""Question views, counted without a write per page view.

A page view only reads. Each counted view goes into an in-process buffer; the first one
after a flush queues a background job (after the request's commit, a second later) that
writes everything buffered meanwhile in one short transaction. Under load that is one write
per second per process instead of one per view; a crash loses at most that second's views,
which a view counter can afford.
"""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy.orm import Session

from app.db import after_commit

FLUSH_DELAY_S = 1.0
_lock = threading.Lock()
_pending: Counter[int] = Counter()
_scheduled = False


def count(session: Session | None, question_id: int) -> None:
    """Add one view of ``question_id``; the write happens in :func:`flush_job`, queued after
    ``session``'s commit (None: a page answered from the cache, which has no transaction)."""
    global _scheduled
    with _lock:
        _pending[question_id] += 1
        if _scheduled:
            return
        _scheduled = True
    from app.jobs import enqueue

    after_commit(session, enqueue, flush_job, delay=FLUSH_DELAY_S, local=True)


def flush_job(session: Session) -> None:
    """Write the buffered counts (a job: ``session`` is its own transaction)."""
    from app.forum.services import record_view

    global _scheduled
    with _lock:
        batch = sorted(_pending.items())
        _pending.clear()
        _scheduled = False
    for question_id, views in batch:
        record_view(session, question_id, views)
