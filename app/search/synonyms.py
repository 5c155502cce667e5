"""Synonym groups maintained by staff (moderators and admins), applied at query time.

The forum database holds the groups (:class:`app.search.models.Synonym`); every change sends
the whole list to the engine after commit, in a job on the pool (``backend.set_synonyms``: a
moderator's save never waits for the engine), and ``flask search reindex`` sends it again.
"""
from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import after_commit, intent, utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.forum import access
from app.text import query_words
from app.search.models import Synonym

log = logging.getLogger(__name__)

_QUEUED = "search_synonyms_queued"
MAX_PHRASES = 20
MAX_PHRASE_LENGTH = 60


def list_synonyms(session: Session) -> list[Synonym]:
    return list(session.scalars(select(Synonym).order_by(Synonym.id)))


def all_groups(session: Session) -> list[list[str]]:
    return [s.phrases for s in list_synonyms(session)]


def clean_phrases(raw: str | list[str]) -> list[str]:
    """Phrases from one-per-line text (or commas, or ``=``), de-duplicated; Invalid (field
    ``terms``) unless there are 2 to MAX_PHRASES phrases with searchable words."""
    if isinstance(raw, str):
        raw = raw.replace("=", "\n").replace(",", "\n").replace("，", "\n").splitlines()
    phrases = list(dict.fromkeys(" ".join(p.split()) for p in raw if p and p.strip()))
    if len(phrases) < 2:
        raise Invalid(errors={"terms": _l("Give at least two words or phrases, one per line.")})
    if len(phrases) > MAX_PHRASES:
        raise Invalid(errors={"terms": _l("At most %(n)d phrases in one group.", n=MAX_PHRASES)})
    for p in phrases:
        if len(p) > MAX_PHRASE_LENGTH or not query_words(p):
            raise Invalid(errors={"terms": _l("Not a usable phrase: %(p)s", p=p[:MAX_PHRASE_LENGTH])})
    return phrases


def _require_curator(by: User | None) -> None:
    if not access.can_moderate(by):
        raise Forbidden(_l("Only moderators can change synonyms."))


def save_synonym(session: Session, raw, *, by: User, synonym: Synonym | None = None) -> Synonym:
    """Create a group (or replace ``synonym``'s phrases); pushes the list after commit."""
    _require_curator(by)
    text = "\n".join(clean_phrases(raw))
    if synonym is None:
        synonym = Synonym(terms=text, created_by_id=by.id)
        session.add(synonym)
    else:
        synonym.terms, synonym.updated_at = text, utcnow()
    session.flush()
    _queue_push(session)
    return synonym


def delete_synonym(session: Session, synonym: Synonym | None, *, by: User) -> None:
    _require_curator(by)
    if synonym is None:
        raise NotFound(_l("No such synonym group."))
    session.delete(synonym)
    session.flush()
    _queue_push(session)


def _queue_push(session: Session) -> None:
    if not session.info.get(_QUEUED):
        session.info[_QUEUED] = True
        after_commit(session, _enqueue_push, session)


def _enqueue_push(session: Session) -> None:
    from app.jobs import enqueue

    session.info.pop(_QUEUED, None)
    enqueue(push_synonyms_job)


def push_synonyms_job(session: Session) -> None:
    """The job: send the committed groups to the engine (the whole list, so it is idempotent).
    An engine fault is logged; the next save or ``flask search reindex`` sends them again."""
    from app.search import get_backend

    with intent(False), Session(session.get_bind()) as reader:  # a read: no write lock while the engine answers
        groups = all_groups(reader)
    try:
        get_backend().set_synonyms(groups)
    except Exception:
        log.error("synonyms not sent to the search engine (run flask search reindex)", exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous) -> None:
    if not previous.nested:
        session.info.pop(_QUEUED, None)  # app.db dropped the queued push too
