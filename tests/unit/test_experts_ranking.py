"""The pure scoring of app/experts/ranking.py."""
from __future__ import annotations

from app.experts import ranking
from app.experts.ranking import Features, Weights

W = Weights()


def test_activity_decays_with_idle_days():
    assert ranking.activity_from_idle(0) == 1.0
    assert abs(ranking.activity_from_idle(W.activity_half_life_days) - 0.5) < 1e-9
    assert ranking.activity_from_idle(None) == 0.0


def test_presence_multiplies_and_load_divides():
    active = Features(tag=1.0, activity=1.0)
    idle = Features(tag=1.0, activity=0.0)
    loaded = Features(tag=1.0, activity=1.0, load=2)
    assert ranking.score(active) > ranking.score(idle) > 0
    assert abs(ranking.score(idle) / ranking.score(active) - W.presence) < 1e-9
    assert abs(ranking.score(loaded) - ranking.score(active) / (1 + 2 * W.load_penalty)) < 1e-9


def test_no_relevance_no_rank():
    ranked = ranking.rank({1: Features(activity=1.0, answers=5), 2: Features(text=0.5, activity=1.0, answers=5)})
    assert [s.user_id for s in ranked] == [2]


def test_ties_break_by_id_and_order_by_score():
    ranked = ranking.rank({5: Features(tag=0.5, answers=9), 3: Features(tag=0.5, answers=9),
                           4: Features(tag=0.9, answers=9)})
    assert [s.user_id for s in ranked] == [4, 3, 5]


def test_newcomers_are_lifted_to_the_reserved_ranks():
    feats = {uid: Features(tag=1.0 - uid / 100, activity=1.0, answers=10) for uid in range(1, 15)}
    feats[50] = Features(text=0.1, activity=1.0, answers=0)
    feats[51] = Features(text=0.05, activity=1.0, answers=1)
    ranked = [s.user_id for s in ranking.rank(feats)]
    assert ranked[W.newcomer_ranks[0] - 1] == 50
    assert ranked[W.newcomer_ranks[1] - 1] == 51
    assert len(ranked) == 16


def test_a_newcomer_already_high_keeps_its_place():
    feats = {1: Features(tag=1.0, answers=0), 2: Features(tag=0.5, answers=10)}
    assert [s.user_id for s in ranking.rank(feats)] == [1, 2]


def test_reasons_are_codes_with_parameters():
    f = Features(tag=0.8, text=0.3, authority=0.5, declared=True, subscribed=True, load=1, tags=("cards",),
                 days_idle=0.5)
    codes = [r["code"] for r in ranking.reasons(f)]
    assert codes == ["answered_in_tags", "similar_answers", "trusted_answerer", "declared_expertise",
                     "subscribed_tag", "recently_active", "open_routes"]


def test_exploration_share_is_deterministic_and_small():
    picks = [ranking.explores(qid) for qid in range(1, 4001)]
    assert picks == [ranking.explores(qid) for qid in range(1, 4001)]
    share = sum(picks) / len(picks)
    assert abs(share - 1 / W.explore_every) < 0.03
    assert not any(ranking.explores(q, Weights(explore_every=0)) for q in range(1, 100))


def test_active_newcomers_without_evidence_can_fill_reserved_ranks_only():
    feats = {uid: Features(tag=1.0 - uid / 100, activity=1.0, answers=10) for uid in range(1, 12)}
    feats[90] = Features(activity=0.8, answers=0)            # registered yesterday, no evidence yet
    feats[91] = Features(activity=0.0, answers=0)            # never seen: not ranked
    feats[92] = Features(activity=1.0, answers=7)            # a regular without evidence: not ranked
    ranked = [s.user_id for s in ranking.rank(feats)]
    assert ranked[W.newcomer_ranks[0] - 1] == 90
    assert 91 not in ranked and 92 not in ranked


def test_only_lifted_newcomers_are_marked():
    feats = {uid: Features(tag=1.0 - uid / 100, activity=1.0, answers=10) for uid in range(1, 12)}
    feats[1] = Features(tag=1.0, activity=1.0, answers=0)     # a newcomer who earned rank 1
    feats[50] = Features(text=0.1, activity=1.0, answers=0)
    ranked = ranking.rank(feats)
    assert not ranked[0].lifted and ranked[0].user_id == 1
    lifted = [s.user_id for s in ranked if s.lifted]
    assert lifted == [50]
