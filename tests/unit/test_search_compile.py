"""Compiling parsed queries to FTS5: only quoted tokens reach MATCH, whatever the input."""
import random
import sqlite3

import pytest

from app.search.fts import Vocabulary, compile_query, parse_synonyms, quote
from app.search.query import parse_query

VOCAB = {"fermentation": 5, "brewing": 9, "brew": 4, "credit": 7, "card": 8, "lager": 3}


def vocab() -> Vocabulary:
    from app.search.spell import term_keys
    keys = {}
    for term in VOCAB:
        for k in term_keys(term):
            keys.setdefault(k, set()).add(term)
    return Vocabulary(
        counts=lambda words: {w: VOCAB[w] for w in words if w in VOCAB},
        completions=lambda prefix, n: sorted((t for t in VOCAB if t.startswith(prefix) and t != prefix),
                                             key=lambda t: -VOCAB[t])[:n],
        spell_candidates=lambda ks: {t: VOCAB[t] for k in ks for t in keys.get(k, ())})


def test_quote_refuses_anything_but_tokens():
    assert quote(["credit", "card"]) == '"credit card"'
    with pytest.raises(ValueError):
        quote(['a"b'])


def test_typos_completions_and_synonyms():
    c = compile_query(parse_query("fermentaton"), vocab())
    assert '"fermentation"' in c.groups[0] and c.corrected == {"fermentaton": "fermentation"}
    c = compile_query(parse_query("brewin"), vocab())
    assert '"brewing"' in c.groups[0] and "brewin" in c.prefixes
    c = compile_query(parse_query("card"), vocab())        # a whole known word is not completed
    assert c.groups == ['"card"']
    syn = parse_synonyms([["信用卡", "credit card"]])
    c = compile_query(parse_query("credit card fee"), vocab(), syn)
    assert c.groups[0] == '("credit card" OR "信用卡")' and len(c.groups) == 2


def test_fuzzed_queries_always_compile_to_valid_fts5():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    conn.execute("INSERT INTO t VALUES ('credit card brewing')")
    rng = random.Random(7)
    alphabet = 'ab "*-:()^{}NEARORAND信用卡\\\'+.,;!?\t'
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40)))
        c = compile_query(parse_query(text), vocab())
        for expr in (c.all_of, c.any_of):
            if expr:
                conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expr,)).fetchone()
