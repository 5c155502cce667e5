"""Text profiles of app/experts/textsim.py: tokenizing, BM25 ranking, incremental add/remove, bounds."""
from __future__ import annotations

import math
import random

from app.experts.textsim import TextProfiles, tokenize

ANSWERS = {
    1: "You can get the credit card annual fee waived: call us after 6 purchases in the card year.",
    2: "To reset the online banking password, go to the branch with your ID card.",
    3: "Mortgage prepayment has a fee of 1% during the first three years.",
    4: "International wire transfers arrive in 2-3 working days; the SWIFT fee is 15 USD.",
    5: "信用卡的年费可以在刷卡满六次之后申请减免。",
    6: "手机银行登录密码忘记了可以在网点重置。",
}


def profiles(texts=ANSWERS, **kw) -> TextProfiles:
    p = TextProfiles(**kw)
    for user, text in texts.items():
        p.add(user, ("a", user), tokenize(text))
    return p


def test_tokenize_strips_html_folds_and_drops_stop_words_and_single_letters():
    assert tokenize("<p>How do I waive the <b>Credit Card</b> annual fee?</p>") == \
        ["waive", "credit", "card", "annual", "fee"]
    assert tokenize("Fees &amp; charges x 2 a Ｃａｆé") == ["fees", "charges", "cafe"]
    assert tokenize("annual fee < 100 <!-- note --> and > 50 <br/>") == ["annual", "fee", "100", "50"]
    assert tokenize("") == [] and tokenize("the of and a") == []


def test_tokenize_segments_chinese_and_drops_chinese_stop_words():
    assert tokenize("信用卡的年费") == ["信用卡", "年费"]
    assert tokenize("如何办理信用卡销户") == ["办理", "信用卡", "销户"]


def test_the_person_who_wrote_about_it_ranks_first():
    got = profiles().similar(tokenize("How much is the credit card annual fee?"))
    assert next(iter(got)) == 1 and got[1] == 1.0
    assert all(0 < s < 1 for u, s in got.items() if u != 1)


def test_chinese_query_matches_differently_worded_chinese_answer():
    got = profiles().similar(tokenize("信用卡年费"))
    assert list(got) == [5] and got[5] == 1.0


def test_nobody_shares_a_term_gives_nothing():
    p = profiles()
    assert p.similar(tokenize("dividend reinvestment")) == {}
    assert p.similar([]) == {} and TextProfiles().similar(["fee"]) == {}


def test_scores_are_normalised_and_limited():
    got = profiles().similar(tokenize("fee card"), limit=2)
    assert len(got) == 2 and max(got.values()) == 1.0
    assert list(got.values()) == sorted(got.values(), reverse=True)
    assert profiles().similar(["fee"], limit=0) == {}


def test_rare_terms_weigh_more_than_common_ones():
    p = TextProfiles()
    for user in (1, 2, 3):
        p.add(user, ("a", user), ["fee", "waiver"])
    p.add(4, ("a", 4), ["swift", "transfer", "days"])    # longer, so only idf can lift it
    got = p.similar(["fee", "swift"])           # fee: three users; swift: one
    assert next(iter(got)) == 4 and got[1] < 1


def test_a_long_generalist_profile_does_not_bury_the_specialist():
    p = profiles()
    p.add(7, ("g", -1), tokenize("annual fee"))  # twice the specialist's mentions, among many topics
    p.add(7, ("g", -2), tokenize("annual fee"))
    for i in range(30):
        p.add(7, ("g", i), tokenize(f"branch opening hours holiday topic{i} parking lot{i}"))
    got = p.similar(tokenize("annual fee"))
    assert next(iter(got)) == 1 and 0 < got[7] < 1


def test_remove_takes_a_document_out_and_is_the_inverse_of_add():
    p = profiles()
    query = tokenize("card fee password")
    before = p.similar(query)
    stats = p.stats
    p.add(1, ("a", 99), tokenize("The card fee and the password policy changed again, card card card."), weight=3)
    changed = p.similar(query)
    assert changed != before
    p.remove(("a", 99))
    after = p.similar(query)
    assert after.keys() == before.keys() and all(abs(after[u] - before[u]) < 1e-12 for u in before)
    assert p.stats == stats
    p.remove(("a", 2))
    assert 2 not in p.similar(query) and not p.has_profile(2) and p.has_profile(1)
    p.remove(("a", 2))                          # unknown keys are ignored
    for user in ANSWERS:
        p.remove(("a", user))
    assert p.stats == {"users": 0, "terms": 0, "postings": 0, "documents": 0} and p.similar(query) == {}


def test_re_adding_a_key_replaces_the_document_even_for_another_user():
    p = profiles()
    p.add(1, ("a", 1), tokenize("mortgage prepayment penalty"))
    assert 1 not in p.similar(tokenize("annual fee waived"))
    p.add(8, ("a", 1), tokenize("mortgage prepayment penalty"))
    assert not p.has_profile(1) and p.stats["documents"] == len(ANSWERS)
    assert next(iter(p.similar(tokenize("prepayment penalty")))) == 8


def test_weight_makes_a_document_count_more():
    p = TextProfiles()
    p.add(1, ("a", 1), ["fee", "waiver"], weight=1.0)
    p.add(2, ("a", 2), ["fee", "waiver"], weight=3.0)
    p.add(3, ("q", 3), ["fee", "waiver"], weight=0.0)         # nothing
    assert list(p.similar(["fee"])) == [2, 1] and not p.has_profile(3)


def test_profiles_are_bounded_to_their_strongest_terms():
    p = TextProfiles(max_terms_per_user=10)
    p.add(1, ("a", 0), ["core"] * 5 + ["also"] * 3)
    for i in range(40):
        p.add(1, ("a", i + 1), ["core", f"rare{i}"])
    assert p.stats["postings"] <= 10 * 5 // 4
    assert 1 in p.similar(["core"]) and 1 in p.similar(["also"])
    assert p.similar(["rare0"]) == {}            # pruned: the weakest terms go, the oldest on ties
    assert 1 in p.similar(["rare39"])
    for i in range(41):                          # removing everything leaves nothing behind
        p.remove(("a", i))
    assert p.stats == {"users": 0, "terms": 0, "postings": 0, "documents": 0}


def brute_force(docs: dict, query: list[str]) -> dict[int, float]:
    """The same scoring from scratch: a fresh TextProfiles built from the surviving documents."""
    fresh = TextProfiles()
    for key, (user, tokens, weight) in docs.items():
        fresh.add(user, key, tokens, weight=weight)
    return fresh.similar(query, limit=10_000)


def test_incremental_changes_score_like_a_fresh_build():
    # Snapshots are taken by queries, go stale with later changes and are rebuilt: the
    # answers must stay those of a profile built from scratch.
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(60)]
    p, docs = TextProfiles(), {}
    for step in range(3000):
        key = ("a", rng.randrange(400))
        if rng.random() < 0.75:
            tokens = [rng.choice(vocab[: rng.randint(5, 60)]) for _ in range(rng.randint(1, 12))]
            docs[key] = (rng.randrange(150), tokens, rng.choice([0.3, 1.0, 2.5]))
            p.add(docs[key][0], key, tokens, weight=docs[key][2])
        else:
            docs.pop(key, None)
            p.remove(key)
        if step % 200 == 0:
            query = rng.sample(vocab, 3)
            got, expected = p.similar(query, limit=10_000), brute_force(docs, query)
            assert got.keys() == expected.keys()
            assert all(math.isclose(got[u], expected[u], rel_tol=1e-9) for u in got)


# --- scopes -------------------------------------------------------------------------------------

SCOPES = ("public", "internal", ("team", 1), ("team", 2))


def test_a_scope_not_read_neither_finds_nor_shifts_anyone():
    p = profiles()                                           # every answer public
    before = p.similar(tokenize("annual fee"), scopes=["public"])
    p.add(9, ("a", 90), tokenize("补卡 annual fee annual fee procedure"), scope="internal")
    p.add(1, ("a", 91), tokenize("annual fee exceptions for gold cards"), scope=("team", 1))
    assert p.similar(tokenize("annual fee"), scopes=["public"]) == before
    assert p.similar(tokenize("补卡"), scopes=["public"]) == {}
    assert list(p.similar(tokenize("补卡"), scopes=["public", "internal"])) == [9]
    assert 9 in p.similar(tokenize("补卡")) and p.has_profile(9) and not p.has_profile(9, ["public"])
    assert set(p.scopes) == {"public", "internal", ("team", 1)}


def test_re_adding_a_document_in_another_scope_moves_it():
    p = profiles()
    p.add(9, ("a", 90), tokenize("补卡 procedure"), scope="internal")
    p.add(9, ("a", 90), tokenize("补卡 procedure"), scope="public")     # the question became public
    assert list(p.similar(tokenize("补卡"), scopes=["public"])) == [9]
    assert p.similar(tokenize("补卡"), scopes=["internal"]) == {} and "internal" not in p.scopes


def test_reading_several_scopes_is_bm25_over_their_union():
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(40)]
    p, docs = TextProfiles(), {}
    for step in range(2500):
        key = ("a", rng.randrange(300))
        if rng.random() < 0.8:
            tokens = [rng.choice(vocab[: rng.randint(5, 40)]) for _ in range(rng.randint(1, 10))]
            docs[key] = (rng.randrange(80), tokens, rng.choice([0.3, 1.0, 2.5]), rng.choice(SCOPES))
            user, tokens, weight, scope = docs[key]
            p.add(user, key, tokens, weight=weight, scope=scope)
        else:
            docs.pop(key, None)
            p.remove(key)
        if step % 250 == 0:
            for scopes in (["public"], ["public", "internal"], ["public", "internal", ("team", 2)], None):
                query = rng.sample(vocab, 3)
                kept = {k: d[:3] for k, d in docs.items() if scopes is None or d[3] in scopes}
                got, expected = p.similar(query, limit=10_000, scopes=scopes), brute_force(kept, query)
                assert got.keys() == expected.keys(), scopes
                assert all(math.isclose(got[u], expected[u], rel_tol=1e-9) for u in got), scopes
    for key in list(docs):
        p.remove(key)
    assert p.stats == {"users": 0, "terms": 0, "postings": 0, "documents": 0} and p.scopes == []
