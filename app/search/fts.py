"""A parsed query compiled to FTS5 MATCH expressions (pure; vocabulary lookups are passed in).

Each clause becomes one group ``("w" OR "w2" OR "pre"* OR "a b")`` of alternatives: the word
itself, its typo corrections, prefix completions for the last word, and synonyms. Every word
reaching an expression is a token of the analyzer (letters and digits only) wrapped in double
quotes, so user input can never be read as FTS5 syntax (``NEAR(``, ``*``, ``-``, ``:``,
column filters, unbalanced quotes); ``tests/unit/test_search_query.py`` fuzzes this.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from app.search import spell
from app.text import is_spellable, query_words
from app.search.query import Clause, ParsedQuery

_SAFE = re.compile(r"^[^\W_]+$")
MAX_CORRECTIONS = 4
MAX_COMPLETIONS = 8
MIN_PREFIX = 2  # a one-letter prefix would match a large part of the vocabulary
# A known word is still corrected when a neighbour is this many times more frequent: the
# word is then more likely a typo that happens to occur somewhere (lager -> layer).
CORRECT_KNOWN_RATIO = 20


@dataclass
class Vocabulary:
    """Lookups into the index's vocabulary of surface words (see embedded.py)."""
    counts: Callable[[list[str]], dict[str, int]]              # word -> documents seen with it
    completions: Callable[[str, int], list[str]]               # most frequent words with a prefix
    spell_candidates: Callable[[set[str]], dict[str, int]]     # terms stored under any of the keys


@dataclass
class Compiled:
    groups: list[str]
    # Per group: the words of each alternative (a phrase's words together), for estimating how
    # many documents the group matches (see ``estimate_df``).
    alternatives: list[list[tuple[str, ...]]] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    corrected: dict[str, str] = field(default_factory=dict)

    def estimate_df(self, counts: Callable[[list[str]], dict[str, int]]) -> list[int]:
        """Documents each group matches, roughly: the sum over its alternatives of the rarest
        word's count (counts are per surface word, so stems and phrases make this an
        estimate; it only decides which groups are too common to rank by)."""
        words = sorted({w for alts in self.alternatives for alt in alts for w in alt})
        n = counts(words) if words else {}
        return [sum(min((n.get(w, 0) for w in alt), default=0) for alt in alts) for alts in self.alternatives]

    @property
    def all_of(self) -> str:
        return " AND ".join(self.groups)

    @property
    def any_of(self) -> str:
        return " OR ".join(self.groups)


def quote(words: tuple[str, ...] | list[str]) -> str:
    """An FTS5 string (one word or a phrase); refuses anything but analyzer tokens."""
    for w in words:
        if not _SAFE.match(w):
            raise ValueError(f"not a token: {w!r}")
    return '"' + " ".join(words) + '"'


def parse_synonyms(groups: list[list[str]]) -> list[list[tuple[str, ...]]]:
    """Synonym groups as tuples of query words, e.g. [["信用卡", "credit card"]] ->
    [[("信用卡",), ("credit", "card")]]; empty phrases and one-phrase groups are dropped."""
    out = []
    for group in groups:
        phrases = list(dict.fromkeys(tuple(query_words(p)) for p in group))
        phrases = [p for p in phrases if p]
        if len(phrases) > 1:
            out.append(phrases)
    return out


def _word_alternatives(clause: Clause, vocab: Vocabulary, out: Compiled, typos: bool,
                       eager_prefix: bool) -> list[tuple[str, tuple[str, ...]]]:
    """(FTS5 string, its words) for the word itself, completions and corrections."""
    word = clause.words[0]
    alts = [(quote([word]), (word,))]
    out.terms.add(word)
    if clause.exact:
        return alts
    spellable = is_spellable(word)
    known = vocab.counts([word]).get(word, 0) if spellable else 1
    # A submitted query's last word is completed only when it is not a word of the index:
    # completing "beer" to "beeradvocate" adds noise; completing "brewin" is the point.
    if clause.prefix and len(word) >= MIN_PREFIX and (eager_prefix or not known):
        out.prefixes.add(word)
        # The index holds stems (brewing -> brew), so the typed prefix "brewin" finds
        # "brewing" only as a completed word; the native prefix query is the fallback.
        completions = [t for t in vocab.completions(word, MAX_COMPLETIONS) if t != word] if spellable else []
        alts += [(quote([t]), (t,)) for t in completions] or [(quote([word]) + "*", ())]
    keys = spell.query_keys(word) if typos and spellable else set()
    if keys:
        candidates = vocab.spell_candidates(keys)
        for term in spell.corrections(word, candidates, limit=MAX_CORRECTIONS):
            if known == 0 or candidates[term] >= CORRECT_KNOWN_RATIO * known:
                alts.append((quote([term]), (term,)))
                out.terms.add(term)
                out.corrected.setdefault(word, term)
    return alts


def compile_query(parsed: ParsedQuery, vocab: Vocabulary, synonyms: list[list[tuple[str, ...]]] = (),
                  *, typos: bool = True, eager_prefix: bool = False) -> Compiled:
    """One FTS5 group per clause (synonym phrases spanning several clauses become one group).

    ``eager_prefix``: complete the last word even when it is a whole word (titles being typed).
    """
    out = Compiled(groups=[])
    clauses = list(parsed.clauses)
    i = 0
    while i < len(clauses):
        clause = clauses[i]
        group, used = _synonym_group(clauses, i, synonyms)
        if group:
            alts = [(quote(p), p) for p in group]
            for p in group:
                out.terms.update(p)
            if used == 1 and not clauses[i].is_phrase:
                alts = _word_alternatives(clause, vocab, out, typos, eager_prefix) + alts[1:]
            i += used
        elif clause.is_phrase:
            out.terms.update(clause.words)
            alts = [(quote(clause.words), clause.words)]
            i += 1
        else:
            alts = _word_alternatives(clause, vocab, out, typos, eager_prefix)
            i += 1
        alts = list(dict(alts).items())  # drop repeated alternatives, keep order
        out.groups.append(alts[0][0] if len(alts) == 1 else "(" + " OR ".join(a for a, _ in alts) + ")")
        out.alternatives.append([words for _, words in alts])
    return out


def _synonym_group(clauses: list[Clause], i: int, synonyms) -> tuple[list[tuple[str, ...]] | None, int]:
    """The synonym group whose longest phrase matches the unquoted words from clause ``i``:
    (phrases with the matched one first, number of clauses used), or (None, 0)."""
    best, best_len = None, 0
    for group in synonyms:
        for phrase in group:
            n = len(phrase)
            if n <= best_len or i + n > len(clauses):
                continue
            window = clauses[i:i + n]
            if all(not c.exact and not c.is_phrase for c in window) and \
                    tuple(c.words[0] for c in window) == phrase:
                best, best_len = [phrase] + [p for p in group if p != phrase], n
    return best, best_len
