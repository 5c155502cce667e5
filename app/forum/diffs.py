"""Inline diffs between two revisions of a text (pure: no Flask, no db).

The result is a list of chunks, not HTML: the template renders each chunk's text escaped
inside ``<ins>``/``<del>``, so a diff can never smuggle markup into the page.

Lines are compared first (cheap on 30,000-character bodies); a changed block of lines is
then compared word by word, where every CJK character counts as a word, because Chinese
has no spaces and a whole sentence would otherwise show as replaced.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

EQUAL, INSERT, DELETE, SKIP = "equal", "insert", "delete", "skip"

_TOKEN = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+|\s+|.", re.S)
# Above this size a changed block is shown as removed + added (word diffs are quadratic).
_WORD_DIFF_MAX = 4000
_CONTEXT = 2  # unchanged lines kept on each side of a change


@dataclass(frozen=True)
class Chunk:
    op: str           # equal | insert | delete | skip
    text: str = ""
    lines: int = 0    # for skip: how many unchanged lines are folded away


def _merge(chunks: list[Chunk]) -> list[Chunk]:
    out: list[Chunk] = []
    for chunk in chunks:
        if not chunk.text and chunk.op != SKIP:
            continue
        if out and out[-1].op == chunk.op and chunk.op != SKIP:
            out[-1] = Chunk(chunk.op, out[-1].text + chunk.text)
        else:
            out.append(chunk)
    return out


def diff_words(old: str, new: str) -> list[Chunk]:
    """Word-level diff of two short texts."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    chunks: list[Chunk] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            chunks.append(Chunk(EQUAL, "".join(a[i1:i2])))
        else:
            chunks.append(Chunk(DELETE, "".join(a[i1:i2])))
            chunks.append(Chunk(INSERT, "".join(b[j1:j2])))
    return _merge(chunks)


def _fold(lines: list[str], first: bool, last: bool) -> list[Chunk]:
    """An unchanged run of lines, with the middle folded when it is long."""
    head = 0 if first else _CONTEXT
    tail = 0 if last else _CONTEXT
    if len(lines) <= head + tail + 1:
        return [Chunk(EQUAL, "".join(lines))]
    return [Chunk(EQUAL, "".join(lines[:head])),
            Chunk(SKIP, lines=len(lines) - head - tail),
            Chunk(EQUAL, "".join(lines[len(lines) - tail:]))]


def diff_text(old: str, new: str) -> list[Chunk]:
    """Diff of two multi-line texts: line blocks, refined to words where small enough."""
    a, b = (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True)
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    chunks: list[Chunk] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        old_block, new_block = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            chunks.extend(_fold(a[i1:i2], first=index == 0, last=index == len(opcodes) - 1))
        elif op == "replace" and len(old_block) + len(new_block) <= _WORD_DIFF_MAX:
            chunks.extend(diff_words(old_block, new_block))
        else:
            chunks += [Chunk(DELETE, old_block), Chunk(INSERT, new_block)]
    return _merge(chunks)


def has_changes(chunks: list[Chunk]) -> bool:
    return any(c.op in (INSERT, DELETE) for c in chunks)
