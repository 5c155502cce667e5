"""Keeps the index in step with the database, after commit, on the job pool.

A registered source's ``dirty`` signal (app.search.sources) makes its receiver here record
(type, id) in the sender's session (``session.info``); the first record in a transaction
queues, with ``app.db.after_commit``, one job (``app.jobs.enqueue``) carrying every ref of the
transaction. The job reads the documents from the committed state, in a read transaction of
its own, and sends them to the engine with ``wait=True``. Hence:

* a rolled-back transaction indexes nothing (the after-commit queue is dropped with it);
* a write never waits for the engine and never fails because of it: the engine is only
  spoken to by the job (with ``JOBS_MODE=inline``, in tests and commands, the job runs at
  once, so the next search sees the change);
* a hung or failing engine holds at most one pool worker per process: jobs hand their refs to
  the app's single drain loop (:func:`index_job`), which coalesces whatever arrives while it
  talks to the engine, so work neither piles up on the pool nor reaches the engine out of
  order within a process;
* a failure is logged and the refs are dropped; ``flask search reindex`` repairs.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import UnmappedInstanceError

from app.db import after_commit, intent, session_of
from app.search.sources import DocumentSource, Ref, all_sources, doc_key, get_source

log = logging.getLogger(__name__)
_KEY = "search_dirty_refs"


# --- receivers: note what changed ---------------------------------------------------------------

_receivers: dict[object, object] = {}   # signal -> its receiver (one each, connected once)


def listen(source: DocumentSource) -> None:
    """Connect the receivers of ``source``'s dirty signals (idempotent; blinker signals are
    process-wide, so each is connected once whatever the number of apps)."""
    for signal in source.dirty:
        if signal not in _receivers:
            _receivers[signal] = _receiver_for(signal)
            signal.connect(_receivers[signal], weak=False)


def _receiver_for(signal):
    def receiver(sender, **kwargs) -> None:
        # Off only for scratch applications that never search (the routing replay); `flask
        # search reindex` builds the index from the database whenever it is wanted.
        if not has_app_context() or not current_app.config.get("SEARCH_INDEX_ON_WRITE", True):
            return
        refs = [(source.type, int(i)) for source in all_sources() if signal in source.dirty
                for i in source.dirty[signal](sender, **kwargs) if i is not None]
        if refs:
            mark_dirty(_session_of(sender), refs)
    return receiver


def _session_of(sender) -> Session:
    """The sender's session, so the refs commit or roll back with the change; the request's
    session for a sender that is no mapped object."""
    try:
        return session_of(sender)
    except UnmappedInstanceError:
        from app.extensions import db

        return db.session


def mark_dirty(session: Session, refs: Iterable[Ref]) -> None:
    """Re-index ``refs`` once ``session`` commits (nothing if it rolls back)."""
    pending = session.info.get(_KEY)
    if pending is None:
        pending = session.info[_KEY] = set()
        after_commit(session, _enqueue, session, pending)
    pending.update(refs)


def _enqueue(session: Session, pending: set[Ref]) -> None:
    from app.jobs import enqueue

    if session.info.get(_KEY) is pending:
        del session.info[_KEY]  # the next transaction starts its own set
    enqueue(index_job, sorted(pending))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous) -> None:
    if not previous.nested:  # app.db dropped the queued job too (a SAVEPOINT keeps both)
        session.info.pop(_KEY, None)


# --- the job: read committed state, send it ------------------------------------------------------

class DrainState:
    """Refs waiting for the app's drain loop, and whether one is running."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending: set[Ref] = set()
        self.running = False


def index_job(session: Session, refs: list) -> None:
    """The job (``fn(session, refs)`` for app.jobs): make the index match the database for
    ``refs`` (``(type, id)`` pairs). Returns at once when the app's drain loop is already
    running: that loop takes the refs on its next round. Never raises for engine faults."""
    from app.search import drain_state, get_backend

    app = current_app._get_current_object()
    state = drain_state(app)
    with state.lock:
        state.pending.update((str(t), int(i)) for t, i in refs)
        if state.running:
            return
        state.running = True
    try:
        while True:
            with state.lock:
                batch, state.pending = state.pending, set()
                if not batch:
                    state.running = False
                    return
            try:
                docs = read_documents(session.get_bind(), batch)
                push(get_backend(app), docs)
            except Exception:
                log.error("search index update of %d documents failed (run flask search reindex)",
                          len(batch), exc_info=True)
    except BaseException:
        with state.lock:
            state.running = False
        raise


def read_documents(bind, refs: Iterable[Ref]) -> list[dict | str]:
    """The documents of ``refs`` as committed, read in a fresh read-only transaction (it must
    not take SQLite's write lock, nor hold a transaction open while the engine is slow)."""
    with intent(False), Session(bind) as session:
        return list(documents_for(session, refs))


def documents_for(session: Session, refs: Iterable[Ref]) -> Iterator[dict | str]:
    """For each ref: its document, or its key (a string) when it must leave the index."""
    by_type: dict[str, list[int]] = {}
    for type_, id_ in refs:
        by_type.setdefault(type_, []).append(id_)
    for type_, ids in by_type.items():
        source = get_source(type_)
        found = {}
        if source is not None:
            for doc in source.documents(session, sorted(ids)):
                _check(source, doc)
                found[doc["id"]] = doc
        for id_ in sorted(ids):
            yield found.get(id_) or doc_key(type_, id_)


def _check(source: DocumentSource, doc: dict) -> None:
    if doc.get("type") != source.type or doc.get("key") != doc_key(source.type, doc.get("id", 0)):
        raise ValueError(f"source {source.type!r} built a document of another type or key: {doc.get('key')!r}")


def push(backend, docs: list[dict | str]) -> None:
    """Index the documents and delete the keys (strings) among ``docs``, waiting for both."""
    present = [d for d in docs if isinstance(d, dict)]
    gone = [d for d in docs if isinstance(d, str)]
    if present:
        backend.index(present, wait=True)
    if gone:
        backend.delete(gone, wait=True)


def count_all(session: Session) -> int:
    """How many documents a reindex will send (every source's count)."""
    return sum(source.count(session) for source in all_sources())


def all_documents(session: Session, batch: int = 500) -> Iterator[dict]:
    """Every searchable document of every registered source, ``batch`` ids per query, in
    registration then id order (``flask search reindex`` and the harnesses)."""
    for source in all_sources():
        last = 0
        while True:
            ids = source.all_ids(session, last, batch)
            if not ids:
                break
            for doc in source.documents(session, ids):
                _check(source, doc)
                yield doc
            last = ids[-1]
            session.expunge_all()  # keep memory flat over a large forum
