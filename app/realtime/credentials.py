"""Sockets end with the credentials that opened them (issue 8, sessions that can be ended).

``signals.token_revoked`` and ``signals.sessions_ended`` are sent inside the accounts service's
transaction. Nothing may happen if that transaction rolls back, so the receivers only queue the
disconnects with ``after_commit``; after commit, the registry (:mod:`app.realtime.registry`)
names the sockets and the Socket.IO server disconnects them, in whichever process holds them
(through the Redis message queue when ``REDIS_URL`` is set).

A disconnected socket's transport is not trusted to go away: the connection guard makes it
pending again, and it is closed unless it authenticates anew within the window.
"""
from __future__ import annotations

import logging

from flask import current_app

from app import signals
from app.db import after_commit, session_of
from app.realtime.registry import session_key, token_key
from app.realtime.server import realtime_of

log = logging.getLogger(__name__)


def connect() -> None:
    """Subscribe to the accounts signals (idempotent: blinker keeps one entry per receiver)."""
    signals.token_revoked.connect(_on_token_revoked)
    signals.sessions_ended.connect(_on_sessions_ended)


def _on_token_revoked(token, **_kwargs) -> None:
    after_commit(session_of(token), end_sockets, current_app._get_current_object(), token_key(token.id))


def _on_sessions_ended(user, **_kwargs) -> None:
    after_commit(session_of(user), end_sockets, current_app._get_current_object(), session_key(user.id))


#: A socket still running its connect handler cannot be disconnected yet (python-socketio
#: ignores it); its connect registered it before checking the credential, so a second pass this
#: much later, when the handler has long finished, ends it.
SECOND_PASS_AFTER = 2.0


def end_sockets(app, key: str) -> list[str]:
    """Disconnect every socket registered under ``key``, now and once more after
    SECOND_PASS_AFTER seconds; returns their sids.

    Runs after commit (``app.db`` logs any exception without undoing the commit). The second
    pass runs in this process's background: a short-lived process (a CLI command) exiting first
    skips it.
    """
    realtime = realtime_of(app)
    sids = realtime.registry.take(key)
    if not sids:
        return sids
    _disconnect(realtime, sids)
    log.info("disconnected %d socket(s) of %s", len(sids), key)

    def second_pass():
        realtime.server.sleep(SECOND_PASS_AFTER)
        _disconnect(realtime, sids)

    realtime.server.start_background_task(second_pass)
    return sids


def _disconnect(realtime, sids: list[str]) -> None:
    for sid in sids:
        # A sid held by another process is published on the queue; one that no process holds
        # any more (gone, or a stale entry) is ignored by all of them.
        realtime.server.disconnect(sid, namespace="/")
