"""The knowledge tree as pure data (app.kb.tree) and the references people type (app.kb.forms)."""
from app.kb.forms import answer_refs, article_ref
from app.kb.tree import Node, Tree, reorder

#   1 Cards            4 Loans
#   ├─ 2 Lost          └─ 6 Fees
#   │  └─ 5 Abroad
#   └─ 3 Limits
NODES = [Node(1, None, 0, "Cards"), Node(2, 1, 0, "Lost"), Node(3, 1, 1, "Limits"), Node(4, None, 1, "Loans"),
         Node(5, 2, 0, "Abroad"), Node(6, 4, 0, "Fees")]


def test_children_ancestors_paths_and_subtrees():
    tree = Tree.of(NODES)
    assert tree.roots() == [1, 4] and tree.kids(1) == [2, 3]
    assert tree.ancestors(5) == [1, 2] and tree.path(5) == [1, 2, 5] and tree.ancestors(1) == []
    assert tree.subtree(1) == [1, 2, 5, 3] and tree.subtree(6) == [6]
    assert tree.label(5) == "Cards › Lost › Abroad"
    assert tree.walk() == [(1, 0), (2, 1), (5, 2), (3, 1), (4, 0), (6, 1)]


def test_a_move_under_itself_or_a_descendant_is_a_cycle():
    tree = Tree.of(NODES)
    assert tree.would_cycle(1, 1) and tree.would_cycle(1, 2) and tree.would_cycle(1, 5)
    assert not tree.would_cycle(2, 4) and not tree.would_cycle(5, None) and not tree.would_cycle(2, 3)


def test_siblings_order_by_position_then_name_and_orphans_hang_at_the_root():
    tree = Tree.of([Node(1, None, 0, "b"), Node(2, None, 0, "A"), Node(3, 99, 0, "orphan")])
    assert tree.roots() == [2, 1, 3]


def test_a_loop_written_by_hand_does_not_hang_the_breadcrumb():
    tree = Tree.of([Node(1, 2, 0, "a"), Node(2, 1, 0, "b")])
    assert tree.ancestors(1) == [2] and tree.subtree(1) == [1, 2]


def test_reorder_places_a_sibling():
    assert reorder([1, 2, 3], 3, 0) == [3, 1, 2]
    assert reorder([1, 2, 3], 1, 99) == [2, 3, 1]
    assert reorder([1, 2], 7, -5) == [7, 1, 2]


def test_article_and_answer_references_as_typed():
    assert article_ref("12") == 12 and article_ref("#12") == 12 and article_ref(" 12 ") == 12
    assert article_ref("#12 Lost card abroad") == 12
    assert article_ref("http://x/kb/articles/34/lost-card") == 34 and article_ref("/kb/articles/34") == 34
    assert article_ref("lost card") is None and article_ref("") is None and article_ref("12abc") is None
    assert answer_refs("3, 4，#5 http://x/answers/6 /questions/1/x#answer-7") == [3, 4, 5, 6, 7]
    assert answer_refs("") == [] and answer_refs("three") is None
