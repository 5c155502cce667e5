"""The index follows the forum: changes made through the services show in the very next
search after commit, and nothing is indexed for a transaction that rolled back."""
import factories
import pytest

from app.forum import services
from app.search import get_backend, service
from app.search.backend import Filters


@pytest.fixture
def people(make_user):
    return {"asker": make_user("staff", teams=("cards",)), "mod": make_user("moderator"),
            "outsider": make_user("staff", teams=("loans",)), "expert": make_user("expert")}


def ids(db, q, user=None, **filters):
    page = service.search(db.session, get_backend(), q=q, user=user, filters=Filters(**filters))
    return [item.id for item in page.items]


def ask(db, by, title="Frozen debit card after wrong PINs", **kw):
    return factories.ask(by, title=title, body="The card was frozen after 3 wrong PINs.", **kw)


def test_ask_edit_close_delete_show_at_once(db, people):
    q = ask(db, people["asker"])
    assert ids(db, "frozen") == [q.id]
    services.edit_question(db.session, q, title="Blocked debit card after wrong PINs", by=people["asker"])
    db.session.commit()
    assert ids(db, "frozen debit card") == [] or ids(db, "blocked") == [q.id]
    assert ids(db, "blocked") == [q.id]
    services.close_question(db.session, q, reason="resolved", by=people["mod"])
    db.session.commit()
    page = service.search(db.session, get_backend(), q="blocked", user=None)
    assert page.items[0].is_closed
    services.delete_post(db.session, q, by=people["asker"])
    db.session.commit()
    assert ids(db, "blocked", people["mod"]) == []
    services.undelete_post(db.session, q, by=people["mod"])
    db.session.commit()
    assert ids(db, "blocked", people["mod"]) == [q.id]


def test_rescoping_hides_a_question_from_those_who_may_no_longer_see_it(db, people):
    q = ask(db, people["asker"])
    assert ids(db, "frozen") == [q.id]
    services.edit_question(db.session, q, visibility="team", team="cards", by=people["asker"])
    db.session.commit()
    assert ids(db, "frozen") == []                      # anonymous
    assert ids(db, "frozen", people["outsider"]) == []  # staff of another team
    assert ids(db, "frozen", people["asker"]) == [q.id]
    assert ids(db, "frozen", people["mod"]) == [q.id]


def test_answers_and_acceptance_are_indexed(db, people):
    q = ask(db, people["asker"])
    assert ids(db, "frozen", status="unanswered") == [q.id]
    answer = services.post_answer(db.session, q, body="Unlock it in the teller console under PIN reset.",
                                  by=people["expert"])
    db.session.commit()
    assert ids(db, "teller console") == [q.id]
    assert ids(db, "frozen", status="answered") == [q.id] and ids(db, "frozen", status="accepted") == []
    services.accept_answer(db.session, answer, by=people["asker"])
    db.session.commit()
    assert ids(db, "frozen", status="accepted") == [q.id]
    services.delete_post(db.session, answer, by=people["expert"])
    db.session.commit()
    assert ids(db, "teller console") == [] and ids(db, "frozen", status="unanswered") == [q.id]


def test_a_rolled_back_transaction_indexes_nothing(db, people):
    services.ask_question(db.session, title="Zanzibar question rolled back", body="Rolled back body.",
                          tags=["cards"], by=people["asker"])
    db.session.rollback()
    q = ask(db, people["asker"], title="Committed question about limits")
    assert ids(db, "committed limits") == [q.id] and ids(db, "zanzibar") == []


def test_an_index_failure_never_fails_the_request_and_reindex_repairs(app, db, people, monkeypatch):
    backend = get_backend()
    with monkeypatch.context() as patch:
        patch.setattr(backend, "index", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("engine down")))
        q = ask(db, people["asker"])                    # the commit succeeds; the failure is logged
    assert db.session.get(type(q), q.id) is not None and ids(db, "frozen") == []
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert ids(db, "frozen") == [q.id]
