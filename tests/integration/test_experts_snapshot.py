"""The expertise index saved to disk (app.experts.snapshot, issue 12): a new process reads it
instead of loading every answer, catches up with what happened since, and never uses a file
made from another database or from rows that changed without events."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.experts.index import ExpertiseIndex, index_for
from app.experts.snapshot import path_for
from app.extensions import db
from tests.integration.experts_helpers import answer, ask, history, ranked_ids


@pytest.fixture
def people(make_user):
    return {"asker": make_user("staff"), "expert": make_user("expert"), "other": make_user("staff")}


def _fresh(app) -> ExpertiseIndex:
    """What a newly started process has: an empty index that knows where the file is."""
    return ExpertiseIndex(snapshot=path_for(app))


def _state(index: ExpertiseIndex) -> tuple:
    scopes = {key: (s.users, s.postings, s.total_length) for key, s in index.profiles._scopes.items()}
    return (index.watermark, index.user_watermark, list(index.last_active.items()), scopes,
            len(index.profiles._docs), index.graph._edges, sorted(index.volume.values.items()))


def test_a_new_process_reads_the_file_and_catches_up(app, make_user, people, monkeypatch):
    history(people["expert"], people["other"], tags=("cards",), n=3)
    loaded = index_for(app)
    loaded.sync(db.session)
    assert path_for(app).exists()
    newcomer = make_user("staff")
    answer(ask(people["other"], tags=("fx",)), newcomer, body="Foreign exchange spreads, explained.", accept=True)
    loaded.sync(db.session)

    monkeypatch.setattr(ExpertiseIndex, "_load_from", lambda *a: pytest.fail("loaded from the database"))
    restarted = _fresh(app)
    restarted.sync(db.session)
    assert _state(restarted) == _state(loaded)  # the file, then the events after it
    before = [ranked_ids(ask(people["asker"], tags=tags)) for tags in (("fx",), ("cards",))]
    app.extensions["experts_index"] = restarted
    after = [ranked_ids(ask(people["asker"], tags=tags)) for tags in (("fx",), ("cards",))]
    assert after == before and newcomer.id in after[0] and after[1][0] == people["expert"].id


def test_a_file_of_other_rows_or_a_damaged_one_is_never_used(app, people):
    history(people["expert"], people["other"], tags=("cards",), n=2)
    path = path_for(app)
    path.unlink(missing_ok=True)
    _fresh(app).sync(db.session)  # a full load, with the answers: it writes the file
    assert path.exists()
    # Rows changed behind the index's back (no event): the newest answer is not the one it read.
    db.session.execute(text("UPDATE answers SET created_at = '2001-01-01 00:00:00' "
                            "WHERE id = (SELECT max(id) FROM answers)"))
    db.session.commit()
    loads = []
    fresh = _fresh(app)
    original = ExpertiseIndex._load_from
    fresh._load_from = lambda session: (loads.append(1), original(fresh, session))
    fresh.sync(db.session)
    assert loads == [1]
    path.write_bytes(b"not a snapshot")
    damaged = _fresh(app)
    damaged._load_from = lambda session: (loads.append(2), original(damaged, session))
    damaged.sync(db.session)
    assert loads == [1, 2] and damaged.loaded


def test_it_can_be_turned_off(app):
    app.config["EXPERTS_SNAPSHOT"] = "0"
    assert path_for(app) is None
