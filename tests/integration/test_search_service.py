"""Search service: visibility mirrors the forum's rules, the log, clicks, gaps, synonyms."""
import pytest

from app.errors import Forbidden, Invalid
from app.forum import services
from app.forum.queries import list_questions
from app.search import get_backend, service, synonyms
from app.search.models import SearchLog
from tests.integration.test_access_matrix import VIEWERS, world  # noqa: F401  (fixture)


def test_search_visibility_is_exactly_the_forums(db, world):  # noqa: F811
    people, questions, asker = world
    for viewer in VIEWERS:  # one world for all viewers: its users cost a password hash each
        user = people[viewer]
        listed = {q.id for q in list_questions(db.session, user, per_page=100).items}
        found = {i.id for i in service.search(db.session, get_backend(), q="", user=user, per_page=100).items}
        worded = {i.id for i in service.search(db.session, get_backend(), q="question cards", user=user).items}
        assert found == listed == worded, viewer
        assert service.search(db.session, get_backend(), q="question", user=user).total == len(listed)


def test_queries_with_no_words_or_too_long_are_invalid(db):
    for q in ('"*-:', "x" * 501):
        with pytest.raises(Invalid) as err:
            service.search(db.session, get_backend(), q=q, user=None)
        assert "q" in err.value.errors
    assert service.suggest(db.session, get_backend(), q='"*', user=None) == []


def test_log_click_and_gaps(db, make_user):
    asker = make_user("staff")
    services.ask_question(db.session, title="Statement copy for a closed account", body="Body long enough.",
                          tags=["statements"], by=asker)
    db.session.commit()
    backend = get_backend()
    for q in ("statement copy", "Statement  COPY", "mortgage holiday", "mortgage holiday", "挂失"):
        page = service.search(db.session, backend, q=q, user=asker)
        token = service.new_log_token()
        service.log_search(db.session, service.log_entry(page, user=asker, token=token))
        if q == "Statement  COPY":
            assert service.record_click(db.session, token, page.items[0].key, 1)
    assert not service.record_click(db.session, "no-such-search-token", "question-1", 1)
    db.session.commit()
    assert db.session.query(SearchLog).count() == 5
    report = service.gaps(db.session)
    assert [(r.query, r.searches) for r in report["no_results"]] == [("mortgage holiday", 2), ("挂失", 1)]
    assert report["no_clicks"] == []                     # "statement copy" was clicked once
    clicked = db.session.query(SearchLog).filter(SearchLog.clicked_key.isnot(None)).one()
    assert clicked.clicked_key.startswith("question-") and clicked.role == "staff"


def test_synonyms_are_pushed_after_commit_and_apply_at_query_time(db, make_user):
    mod, staff = make_user("moderator"), make_user("staff")
    services.ask_question(db.session, title="Credit card lost abroad", body="Body long enough.", tags=["cards"],
                          by=staff)
    db.session.commit()
    assert service.search(db.session, get_backend(), q="信用卡", user=None).total == 0
    group = synonyms.save_synonym(db.session, "信用卡\ncredit card", by=mod)
    assert service.search(db.session, get_backend(), q="信用卡", user=None).total == 0   # not before commit
    db.session.commit()
    assert service.search(db.session, get_backend(), q="信用卡", user=None).total == 1
    synonyms.delete_synonym(db.session, group, by=mod)
    db.session.commit()
    assert service.search(db.session, get_backend(), q="信用卡", user=None).total == 0


def test_synonym_rules(db, make_user):
    mod = make_user("moderator")
    with pytest.raises(Forbidden):
        synonyms.save_synonym(db.session, "a\nb", by=make_user("staff"))
    for bad in ("only one", "", "x\n" + "y" * 61, "\n".join(f"w{i}" for i in range(21)), "ok\n***"):
        with pytest.raises(Invalid):
            synonyms.save_synonym(db.session, bad, by=mod)
    assert synonyms.clean_phrases("挂失 = report lost, Report  lost") == ["挂失", "report lost", "Report lost"]
