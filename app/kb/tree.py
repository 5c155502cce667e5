"""The knowledge tree as plain data (pure: no Flask, no database).

Categories come in as ``Node`` rows (id, parent id, position, name); everything a page or a
service needs from the tree (children in order, ancestors for breadcrumbs, subtrees, whether a
move would make a cycle, the depth-first listing with indentation) is computed here, once per
request, from one query's rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    position: int
    name: str


@dataclass
class Tree:
    nodes: dict[int, Node] = field(default_factory=dict)
    children: dict[int | None, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, nodes: Iterable[Node]) -> "Tree":
        tree = cls()
        for node in nodes:
            tree.nodes[node.id] = node
        for node in tree.nodes.values():
            # A parent that is gone (or a loop written by hand in the database) hangs at the root.
            parent = node.parent_id if node.parent_id in tree.nodes else None
            tree.children.setdefault(parent, []).append(node.id)
        for ids in tree.children.values():
            ids.sort(key=lambda i: (tree.nodes[i].position, tree.nodes[i].name.casefold(), i))
        return tree

    def roots(self) -> list[int]:
        return list(self.children.get(None, []))

    def kids(self, node_id: int | None) -> list[int]:
        return list(self.children.get(node_id, []))

    def ancestors(self, node_id: int) -> list[int]:
        """From the root down to ``node_id``'s parent (a breadcrumb without the node itself)."""
        out: list[int] = []
        seen = {node_id}
        current = self.nodes.get(node_id)
        while current is not None and current.parent_id in self.nodes and current.parent_id not in seen:
            seen.add(current.parent_id)
            out.append(current.parent_id)
            current = self.nodes[current.parent_id]
        return out[::-1]

    def path(self, node_id: int) -> list[int]:
        """Ancestors and the node itself."""
        return [*self.ancestors(node_id), node_id] if node_id in self.nodes else []

    def subtree(self, node_id: int) -> list[int]:
        """``node_id`` and all its descendants, depth first."""
        out, stack, seen = [], [node_id], set()
        while stack:
            current = stack.pop()
            if current in seen or current not in self.nodes:
                continue
            seen.add(current)
            out.append(current)
            stack.extend(reversed(self.kids(current)))
        return out

    def would_cycle(self, node_id: int, new_parent_id: int | None) -> bool:
        """Moving ``node_id`` under ``new_parent_id`` would put it under itself."""
        return new_parent_id is not None and new_parent_id in self.subtree(node_id)

    def walk(self, start: int | None = None) -> list[tuple[int, int]]:
        """(id, depth) of every node below ``start`` (None: the whole tree), depth first."""
        out: list[tuple[int, int]] = []

        def visit(node_id: int, depth: int) -> None:
            out.append((node_id, depth))
            for kid in self.kids(node_id):
                visit(kid, depth + 1)
        for root in (self.kids(start) if start is not None else self.roots()):
            visit(root, 0)
        return out

    def label(self, node_id: int, sep: str = " › ") -> str:
        """The node's full path as text, e.g. ``Cards › Lost cards``."""
        return sep.join(self.nodes[i].name for i in self.path(node_id))


def reorder(sibling_ids: list[int], moving: int, index: int) -> list[int]:
    """``sibling_ids`` with ``moving`` placed at ``index`` (clamped); positions are then 0..n-1."""
    rest = [i for i in sibling_ids if i != moving]
    index = min(max(index, 0), len(rest))
    return rest[:index] + [moving] + rest[index:]
