"""The expertise index saved to disk, so that a restarted process does not rebuild it (issue 12).

Loading the index reads and tokenizes every answer of the site: 3.4 s on the beer dump (2,277
answers), three minutes at 100,000 questions, paid by the first expert page or routing job of
every new process. The index is already "a state at event N, then catch up with the events after
N" (app.experts.index), so a saved copy of it at event N is as good as loading it at N: a process
reads the file, then catches up from its watermark as it always does.

A file is used only for the database it was made from: its key names the database (the URL
without password, and for SQLite the file's inode), and the rows it was made at must still be
there unchanged (the last event and the newest answer it had read, with their times). Anything
else, a newer format or an unreadable file, means a full load, which writes a new file (to a
temporary name, then renamed: readers never see half a file). The file lives beside the SQLite
database, or in the instance folder; ``EXPERTS_SNAPSHOT=0`` turns it off. Only this application
writes it (pickle: never point it at a file from elsewhere).
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
# Bump when ExpertiseIndex, ExpertiseGraph, TextProfiles or their parts change shape.
FORMAT = 1


def path_for(app) -> Path | None:
    if str(app.config.get("EXPERTS_SNAPSHOT", "1")) in ("0", "false", "False", ""):
        return None
    from app.extensions import db

    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return None
        return Path(database).with_name(Path(database).name + ".experts.pickle")
    name = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(app.instance_path) / f"experts-{name}.pickle"


def _identity(session: Session) -> tuple:
    bind = session.get_bind()
    url = bind.url
    inode = None
    if url.get_backend_name() == "sqlite" and url.database:
        try:
            inode = os.stat(url.database).st_ino
        except OSError:
            return ()
    return (url.render_as_string(hide_password=True), inode)


def _marks(session: Session, watermark: int, answer_id: int | None = None) -> tuple:
    """The rows the index was made at: the last event it applied, and the newest answer then
    (``answer_id``; None: the newest now, when saving)."""
    from app.experts.models import ExpertiseEvent
    from app.forum.models import Answer

    event = session.execute(select(ExpertiseEvent.id, ExpertiseEvent.occurred_at)
                            .where(ExpertiseEvent.id == watermark)).first() if watermark else None
    newest = select(Answer.id, Answer.created_at)
    newest = newest.where(Answer.id == answer_id) if answer_id is not None else \
        newest.order_by(Answer.id.desc()).limit(1)
    answer = session.execute(newest).first()
    return (tuple(event) if event else (watermark,), tuple(answer) if answer else ())


def save(index, session: Session, path: Path) -> None:
    """Write ``index`` (just loaded from ``session``'s database) to ``path``."""
    state = index.__getstate__()
    payload = {"format": FORMAT, "identity": _identity(session), "marks": _marks(session, index.watermark),
               "state": state}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(index, session: Session, path: Path) -> bool:
    """Fill ``index`` from ``path`` when it was made from this database; whether it was."""
    try:
        with open(path, "rb") as f:
            payload = pickle.load(f)
    except FileNotFoundError:
        return False
    except Exception:  # noqa: BLE001 (a damaged or foreign file: load from the database)
        log.warning("expertise snapshot %s unreadable: loading from the database", path, exc_info=True)
        return False
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or \
            payload.get("identity") != _identity(session):
        return False
    marks, state = payload["marks"], payload["state"]
    found = _marks(session, state["watermark"], marks[1][0] if marks[1] else None)
    if found[0] != marks[0] or (marks[1] and found[1] != marks[1]):
        return False  # the rows it was made from changed without events, or another database
    index.__setstate__(state)
    return True
