"""The embedded engine's ranking query (SQL only; storage is in embedded_schema.py).

Text lives in three FTS5 tables, one per field: ``ft`` (title, tags), ``fb`` (body) and
``fa`` (answers). A single table would normalise BM25 by the length of the whole row, so a
question with long answers would see its title match discounted: popular questions, the ones
people look for, would lose. Per query:

1. Every clause group is matched in each table and scored per field, weighted (title >
   body > answers; tags weigh half the title inside ``ft``).
2. Per document: the weighted sum, times ``(groups matched / groups)²`` (coordination: a
   document with every word beats one with the rarest word many times; softer than
   Meilisearch's strict "words" rule, which measured worse on duplicate questions), times
   ``1 + boost`` (accepted / answered / score, a tie-breaker of at most +20%).
3. Visibility and filters are joined in the same statement, so totals and pages are exact.

Cost control, which only matters for words that many documents share (measured at 100,000
documents in bench/bench_search.py). FTS5's bm25() counts every document of a phrase to get
its IDF and costs microseconds per row, so:

* a group of at most BM25_MAX_DF documents is scored with bm25() (exact BM25 per field);
* a more frequent group scores ``weight × IDF`` per field it occurs in (what BM25 gives a
  single occurrence in a document of average length), with the IDF from the vocabulary's
  counts; in an index of more than SMALL_INDEX documents, over its newest WINDOW (titles)
  or TEXT_WINDOW (bodies, answers) documents only (so the total is then a lower bound);
* a long query ranks by its MAX_GROUPS rarest groups;
* a group above the COMMON share of the index is dropped when rarer groups exist, as a stop
  word would be (its IDF is near zero anyway).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from app.search.fts import quote

# Weight of each field table; inside ``ft`` the columns are title, tags.
TABLE_WEIGHTS = (("ft", 1.0), ("fb", 0.4), ("fa", 0.3))
TITLE_TAGS = (1.0, 0.5)
COORDINATION_POWER = 2
BM25_MAX_DF = 300
WINDOW = 1000          # newest matches per field of a frequent group, in titles and tags
TEXT_WINDOW = 300      # the same in bodies and answers (long texts: fewer, they weigh less)
SMALL_INDEX = 20_000   # below this many documents nothing is windowed: the index bounds the cost
MAX_GROUPS = 7         # the rarest groups of a long query are enough to rank by
COMMON_FRACTION = 0.05
COMMON_MIN = 2000


@dataclass(frozen=True)
class GroupPlan:
    match: str          # the FTS5 expression
    exact: bool         # scored by bm25() (else by presence and IDF)
    idf: float
    windowed: bool = False
    weight: float = 1.0       # a factor on the group's score (suggestions weigh a body's words less)
    slot: int | None = None   # its coordination slot (None: its index); see ranked_sql's ``coordinated``


def idf(df: int, n_docs: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) if n_docs else 1.0


_idf = idf


def plan(groups: list[str], df: list[int], n_docs: int) -> list[GroupPlan]:
    """How to evaluate each group (see the module docstring); never empty for input groups."""
    cutoff = max(COMMON_MIN, COMMON_FRACTION * n_docs)
    kept = [(g, n) for g, n in zip(groups, df) if n <= cutoff] or list(zip(groups, df))
    if len(kept) > MAX_GROUPS:
        rarest = sorted(range(len(kept)), key=lambda i: kept[i][1])[:MAX_GROUPS]
        kept = [kept[i] for i in sorted(rarest)]
    large = n_docs > SMALL_INDEX
    return [GroupPlan(g, n <= BM25_MAX_DF, _idf(n, n_docs), large and n > BM25_MAX_DF) for g, n in kept]


def _scored(table: str, weight: float, group: GroupPlan, g: int) -> str:
    if group.exact:
        bm25 = f"bm25({table}, {TITLE_TAGS[0]}, {TITLE_TAGS[1]})" if table == "ft" else f"bm25({table})"
        return f"SELECT rowid, {g}, {-weight} * {bm25} FROM {table} WHERE {table} MATCH ?"
    if not group.windowed:
        return f"SELECT rowid, {g}, {weight * group.idf:.6f} FROM {table} WHERE {table} MATCH ?"
    return (f"SELECT rowid, {g}, {weight * group.idf:.6f} FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? "
            f"ORDER BY rowid DESC LIMIT {WINDOW if table == 'ft' else TEXT_WINDOW})")


def _hits(groups: list[GroupPlan], tables) -> str:
    return "\n UNION ALL ".join(_scored(t, w * grp.weight, grp, g if grp.slot is None else grp.slot)
                                for g, grp in enumerate(groups) for t, w in tables)


def match_args(groups: list[GroupPlan], tables=None) -> list[str]:
    """The MATCH parameters of ranked_sql / count_sql, in order."""
    return [grp.match for grp in groups for _ in (tables or TABLE_WEIGHTS)]


def ranked_sql(groups: list[GroupPlan], where: str, *, tables=None, total: bool = True,
               coordinated: int | None = None, power: int = COORDINATION_POWER) -> str:
    """SELECT rowid, relevance[, total] ... LIMIT ? OFFSET ?. Parameters: match_args(), then
    the ``where`` parameters, then limit and offset.

    ``coordinated``: how many slots coordination counts (slots 0..n-1; groups in other slots
    only add evidence, e.g. the words of a body behind a title). None: every group is its own
    slot and counts; 0: no coordination. ``power``: 2 (squared) or 1 (linear)."""
    n = len(groups) if coordinated is None else coordinated
    if coordinated is None:
        k = "count(DISTINCT g)"
    else:
        k = f"count(DISTINCT CASE WHEN g < {n} THEN g END)"
    if n == 0:
        coordination = "1.0"
    else:
        coordination = f"(per.k * per.k * 1.0) / {n * n}" if power == 2 else f"(per.k * 1.0 / {n})"
    return (f"WITH hits(rowid, g, s) AS MATERIALIZED ({_hits(groups, tables or TABLE_WEIGHTS)}),\n"
            f" per AS (SELECT rowid, {k} AS k, sum(s) AS s FROM hits GROUP BY rowid)\n"
            f"SELECT per.rowid, per.s * (1.0 + m.boost) * {coordination} AS relevance"
            f"{', count(*) OVER () AS total' if total else ''}\n"
            f"FROM per JOIN meta m ON m.rowid = per.rowid WHERE {where}\n"
            f"ORDER BY relevance DESC, per.rowid DESC LIMIT ? OFFSET ?")


def count_sql(groups: list[GroupPlan], where: str, *, tables=None) -> str:
    """The number of documents ranked_sql pages over (same parameters, without limit/offset)."""
    return (f"SELECT count(*) FROM (SELECT DISTINCT rowid FROM ({_hits(groups, tables or TABLE_WEIGHTS)})) AS u "
            f"JOIN meta m ON m.rowid = u.rowid WHERE {where}")


# --- suggestions (app.search.embedded.EmbeddedBackend.suggest) ------------------------------------
# A question being written is matched like a search over every field (title and tags, body,
# answers, with the search's field weights): a duplicate shares words with its original's
# body and answers as much as with its title. Measured on the dumps' duplicate pairs by
# ``flask search evaluate`` (app/lab/search_evaluate.py): a title-only match ranked the
# original worse than plain BM25 over title and body did.
BODY_WEIGHT = 0.5         # a body word, against a title word (titles say what it is about)
BODY_TERMS = 10           # the body's most informative words (tf x idf) taken
BODY_MIN_DF = 1           # a word no document has cannot help (a typo, a name)


def word_group(word: str, df: int, n_docs: int, weight: float, slot: int) -> GroupPlan:
    return GroupPlan(quote([word]), df <= BM25_MAX_DF, idf(df, n_docs),
                     n_docs > SMALL_INDEX and df > BM25_MAX_DF, weight, slot)


def informative(words: list[str], known: set[str], counts, n_docs: int) -> list[str]:
    """The body's most informative words for finding a similar question: by tf × idf, among
    words some document has and that are not too common to rank by; the title's own words are
    left out (they are matched already)."""
    tf = Counter(w for w in words if w not in known and len(w) > 1)
    if not tf:
        return []
    df = counts(list(tf))
    cutoff = max(COMMON_MIN, COMMON_FRACTION * n_docs)
    kept = [w for w in tf if BODY_MIN_DF <= df.get(w, 0) <= cutoff]
    kept.sort(key=lambda w: (-tf[w] * idf(df[w], n_docs), w))
    return kept[:BODY_TERMS]
