"""The search port's contract, run against every backend.

* ``embedded``: always (SQLite FTS5 in a temporary file).
* ``meili-standin``: the Meilisearch adapter against tests/integration/meili_standin.py, a
  local HTTP stand-in that checks the requests (filters, parameters, tasks) but does not rank:
  tests marked ``engine`` (relevance, typos, Chinese, synonyms) skip there.
* ``meili-server``: the adapter against a real server when MEILI_URL is set (MEILI_KEY too if
  it needs one); it creates and drops an index of its own. Skipped otherwise, saying so.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime

import pytest

from app.search.backend import Audience, Filters, SearchRequest
from app.search.documents import article_document, question_document
from app.search.embedded import EmbeddedBackend
from app.search.meili import MeiliBackend
from app.search.query import parse_query
from tests.integration.meili_standin import MeiliStandIn

ANON = Audience()
STAFF_CARDS = Audience(staff=True, team_ids=(1,))
STAFF = Audience(staff=True)
MOD = Audience(staff=True, everything=True)


class Engine:
    def __init__(self, name: str, backend):
        self.name, self.backend = name, backend

    def add(self, *docs):
        self.backend.index([d for d in docs], wait=True)

    def search(self, q, audience=MOD, filters=Filters(), page=1, per_page=20):
        return self.backend.search(SearchRequest(parse_query(q), audience, filters, page, per_page))

    def ids(self, q, audience=MOD, **kw):
        return [h.doc["id"] for h in self.search(q, audience, **kw).hits]


def _engine(param, tmp_path):
    if param == "embedded":
        backend = EmbeddedBackend(str(tmp_path / "search.db"))
        backend.setup()
        yield Engine("embedded", backend)
        backend.close()
    elif param == "meili-standin":
        with MeiliStandIn(key="test-key") as server:
            backend = MeiliBackend(server.url, "test-key", index_uid="contract")
            backend.setup()
            yield Engine("meili-standin", backend)
    else:
        url = os.environ.get("MEILI_URL")
        if not url:
            pytest.skip("MEILI_URL is not set: no Meilisearch server to test against (see docs/search.md)")
        backend = MeiliBackend(url, os.environ.get("MEILI_KEY"), index_uid=f"test_{uuid.uuid4().hex[:12]}")
        backend.setup()
        yield Engine("meili-server", backend)
        backend.drop()


@pytest.fixture(params=["embedded", "meili-standin", "meili-server"])
def engine(request, tmp_path):
    """Every backend, the stand-in included (it checks the requests the adapter sends)."""
    yield from _engine(request.param, tmp_path)


@pytest.fixture(params=["embedded", "meili-server"])
def ranking_engine(request, tmp_path):
    """Backends that really rank, correct typos and segment Chinese: the stand-in does not."""
    yield from _engine(request.param, tmp_path)


def doc(id, title, body="", *, answers=(), tags=("general",), visibility="public", team_id=None, score=0,
        accepted=False, created=(2024, 1, 1), deleted=False):
    q = {"id": id, "title": title, "slug": f"q{id}", "body_html": f"<p>{body}</p>", "tags": list(tags),
         "visibility": visibility, "team_id": team_id, "score": score, "answer_count": None,
         "accepted_answer_id": 1000 + id if accepted else None, "closed_at": None,
         "deleted_at": datetime(2024, 1, 2) if deleted else None, "created_at": datetime(*created),
         "source_url": None}
    a = [{"id": 1000 + id + i, "body_html": f"<p>{text}</p>", "score": 0, "deleted_at": None}
         for i, text in enumerate(answers)]
    return question_document(q, a)


# --- every backend ---------------------------------------------------------------------------

def test_index_search_replace_delete(engine):
    engine.add(doc(1, "Frozen debit card after three wrong PINs"), doc(2, "Mortgage rate change letter"))
    assert engine.ids("frozen") == [1]
    engine.add(doc(1, "Blocked debit card after three wrong PINs"))  # replaced, not added
    assert engine.ids("frozen") == [] and engine.ids("blocked") == [1]
    engine.backend.delete(["question-1", "question-404"])
    assert engine.ids("blocked") == [] and engine.backend.count() == 1


def test_visibility_is_part_of_the_query_and_pages_stay_full(engine):
    docs = [doc(i, f"Statement copy request number {i}", visibility=v, team_id=t)
            for i, (v, t) in enumerate([("public", None), ("internal", None), ("team", 1), ("team", 2)] * 3, 1)]
    engine.add(*docs)
    expected = {ANON: {"public"}, STAFF: {"public", "internal"}, STAFF_CARDS: {"public", "internal", "team1"},
                MOD: {"public", "internal", "team1", "team2"}}
    for audience, scopes in expected.items():
        allowed = {d["id"] for d in docs if (d["visibility"] + (str(d["team_id"]) if d["team_id"] else "")
                                             if d["visibility"] == "team" else d["visibility"]) in scopes}
        seen = []
        for page in range(1, len(allowed) // 2 + 3):
            result = engine.search("statement", audience, per_page=2, page=page)
            assert result.total == len(allowed)
            assert len(result.hits) == min(2, max(0, len(allowed) - 2 * (page - 1)))
            seen += [h.doc["id"] for h in result.hits]
        assert sorted(seen) == sorted(allowed), audience


def test_filters(engine):
    engine.add(doc(1, "Card replacement fee", tags=("cards", "fees"), accepted=True, answers=["Waived once."],
                   created=(2023, 5, 1)),
               doc(2, "Card replacement time", tags=("cards",), answers=["Five days."], created=(2024, 2, 1)),
               doc(3, "Card replacement abroad", tags=("travel",), created=(2024, 6, 30), visibility="team",
                   team_id=1))
    assert engine.ids("replacement", filters=Filters(tags=("cards",))) in ([1, 2], [2, 1])
    assert engine.ids("replacement", filters=Filters(tags=("cards", "fees"))) == [1]
    assert engine.ids("replacement", filters=Filters(status="accepted")) == [1]
    assert sorted(engine.ids("replacement", filters=Filters(status="answered"))) == [1, 2]
    assert engine.ids("replacement", filters=Filters(status="unanswered")) == [3]
    assert engine.ids("replacement", filters=Filters(date_from="2024-01-01", date_to="2024-06-30")) in ([2, 3], [3, 2])
    assert engine.ids("replacement", filters=Filters(date_to="2023-05-01")) == [1]
    assert engine.ids("replacement", filters=Filters(team_id=1)) == [3]
    assert engine.ids("replacement", filters=Filters(visibility="team")) == [3]
    assert engine.ids("replacement", filters=Filters(type="article")) == []


def test_empty_query_lists_newest_first_within_the_audience(engine):
    engine.add(doc(1, "Old one", created=(2020, 1, 1)), doc(2, "New one", created=(2024, 1, 1)),
               doc(3, "Hidden one", created=(2025, 1, 1), visibility="internal"))
    result = engine.search("", ANON)
    assert [h.doc["id"] for h in result.hits] == [2, 1] and result.total == 2


def test_bad_queries_are_harmless(engine):
    engine.add(doc(1, "NEAR the ATM: a card was kept"))
    for q in ['"', '"unbalanced', "NEAR(", "*", "-", ":", "title:atm", "a AND OR NOT", "((((", "'; DROP TABLE",
              "\\", "^", "{title}: x", "-atm", "atm*", "\x00", "🙂", "x" * 500, " " * 50]:
        result = engine.search(q)
        assert result.total >= 0
    assert engine.ids('"near the atm"') == [1]


def test_suggest_matches_titles_within_the_audience(engine):
    engine.add(doc(1, "Credit card annual fee refund"), doc(2, "Credit card annual fee waiver", visibility="internal"))
    hits = engine.backend.suggest(parse_query("credit card annual"), ANON, 5)
    assert [h.doc["id"] for h in hits] == [1]
    assert {h.doc["id"] for h in engine.backend.suggest(parse_query("credit card annual"), STAFF, 5)} == {1, 2}


def test_rebuild_replaces_everything(engine):
    engine.add(doc(1, "Stale entry"))
    assert engine.backend.rebuild([doc(2, "Fresh entry"), doc(3, "Another fresh entry")]) == 2
    assert engine.backend.count() == 2 and engine.ids("stale") == [] and len(engine.ids("fresh")) == 2


def test_results_carry_the_stored_document(engine):
    engine.add(doc(7, "Where is my PIN letter", "It was posted on Monday.", tags=("pin", "letters"), score=3))
    hit = engine.search("PIN letter").hits[0]
    assert hit.doc["key"] == "question-7" and hit.doc["tags"] == ["pin", "letters"] and hit.doc["score"] == 3
    assert hit.doc["body"] == "It was posted on Monday." and hit.doc["type"] == "question"


def article(id, title, audience="public", team_id=None):
    return article_document({"id": id, "title": title, "slug": f"a{id}", "body_html": "<p>Policy text.</p>",
                             "categories": ["cards"], "audience": audience, "team_id": team_id,
                             "status": "published", "created_at": datetime(2024, 3, 1), "source_url": None})


def test_types_share_the_index_and_are_filtered_with_the_audience_inside_the_engine(engine):
    engine.add(doc(1, "Card renewal letter"), doc(2, "Card renewal internal", visibility="internal"),
               article(1, "Card renewal policy"), article(2, "Card renewal internal policy", "internal"),
               article(3, "Card renewal for team one", "team", 1))
    keys = lambda result: sorted(h.doc["key"] for h in result.hits)  # noqa: E731
    assert keys(engine.search("renewal", ANON)) == ["article-1", "question-1"]
    assert keys(engine.search("renewal", ANON, Filters(type="article"))) == ["article-1"]
    assert keys(engine.search("renewal", STAFF, Filters(type="article"))) == ["article-1", "article-2"]
    assert keys(engine.search("renewal", STAFF_CARDS, Filters(type="article"))) == ["article-1", "article-2",
                                                                                   "article-3"]
    assert keys(engine.search("renewal", STAFF, Filters(type="question"))) == ["question-1", "question-2"]
    paged = engine.search("renewal", STAFF, Filters(type="article"), per_page=1, page=2)
    assert paged.total == 2 and len(paged.hits) == 1          # counted and paged after the filter
    engine.backend.delete(["article-1"])
    assert keys(engine.search("renewal", ANON)) == ["question-1"]


# --- real engines only -------------------------------------------------------------------------

def test_title_ranks_above_tags_body_and_answers(ranking_engine):
    # Some unrelated questions: word weights (IDF) mean little in a four-document index.
    ranking_engine.add(*(doc(100 + i, f"Unrelated topic {i}", "Nothing to see here.") for i in range(16)))
    ranking_engine.add(doc(1, "General question", answers=["Chargeback is the answer here."]),
               doc(2, "General question", "We filed a chargeback last week."),
               doc(3, "How do I start a chargeback?"),
               doc(4, "General question", tags=("chargeback",)))
    assert ranking_engine.ids("chargeback") == [3, 4, 2, 1]


def test_accepted_and_score_break_ties(ranking_engine):
    ranking_engine.add(doc(1, "Overdraft interest question"), doc(2, "Overdraft interest question", accepted=True),
               doc(3, "Overdraft interest question", score=50))
    assert ranking_engine.ids("overdraft interest")[0] == 2


def test_typos_prefixes_and_phrases(ranking_engine):
    ranking_engine.add(doc(1, "Fermentation stuck after two days"), doc(2, "International transfer delayed"),
               doc(3, "Card kept by the machine"), doc(4, "The machine kept my card"))
    assert ranking_engine.ids("fermentaion") == [1]             # one typo in 11 letters
    assert ranking_engine.ids("fremantation") == [1]            # two typos from 9 letters
    assert ranking_engine.ids("internatinal transfer") == [2]
    assert ranking_engine.ids("kpet") == []                     # no typo allowed under 5 letters
    assert ranking_engine.ids("ferm") == [1]                    # search as you type: prefix of the last word
    assert ranking_engine.ids("internat") == [2]
    assert ranking_engine.ids('"card kept"') == [3]             # a phrase: adjacent words only
    assert sorted(ranking_engine.ids("card kept")) == [3, 4]


def test_chinese_words_inside_longer_text_and_mixed_queries(ranking_engine):
    ranking_engine.add(doc(1, "客户想在开户行办理销户手续", "需要带身份证和银行卡。"),
               doc(2, "信用卡年费怎么退", "客户说 annual fee 被收了两次。"),
               doc(3, "ＡＴＭ吞卡了怎么办", "Card retained by the ATM."))
    assert ranking_engine.ids("开户") == [1]
    assert ranking_engine.ids("销户") == [1]
    assert ranking_engine.ids("年费") == [2]
    assert ranking_engine.ids("信用卡 annual fee") == [2]       # mixed Chinese and English
    assert ranking_engine.ids("atm") == [3]                     # full width folded
    assert ranking_engine.ids("ATM 吞卡") == [3]


def test_synonyms_apply_at_query_time_both_ways(ranking_engine):
    ranking_engine.add(doc(1, "Credit card lost abroad"), doc(2, "信用卡挂失流程"), doc(3, "Report lost debit card"))
    assert ranking_engine.ids("信用卡") == [2]
    ranking_engine.backend.set_synonyms([["信用卡", "credit card"], ["挂失", "report lost"]])
    assert sorted(ranking_engine.ids("信用卡")) == [1, 2]
    assert sorted(ranking_engine.ids("credit card")) == [1, 2]
    assert sorted(ranking_engine.ids("挂失")) == [2, 3]
    ranking_engine.backend.set_synonyms([])
    assert ranking_engine.ids("信用卡") == [2]
