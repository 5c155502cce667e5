"""Text analysis shared by indexing and querying (pure: no Flask, no database).

Everything that reaches the embedded engine goes through :func:`fold` and is cut into plain
alphanumeric tokens here, so the FTS5 ``unicode61`` tokenizer only has to split on spaces and
query text can never carry FTS5 syntax. Chinese runs are segmented with jieba, which is
initialised lazily and quietly (its prefix dictionary is cached to :func:`configure`'s
directory, so only the first start in a fresh environment pays the ~2 s build).

Index side (``index_tokens``) emits, for a run of Han characters, jieba's precise words and,
appended after the field's main tokens, the shorter dictionary words inside long words and
every character bigram. The bigrams are why a two-character query word such as 开户 matches
inside 开户行 or 想开户口 even where jieba cut the text differently; appending them keeps the
main tokens adjacent for phrase queries.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import unicodedata
from functools import lru_cache

# A word is a run of letters and digits (no underscore), as FTS5 unicode61 sees it.
WORD_RE = re.compile(r"[^\W_]+")
HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
HAN_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")
LETTERS_RE = re.compile(r"^[^\W\d_]+$")

# Bank contact-centre words that jieba's general dictionary lacks; without them 年费 is cut
# into 年 / 费 and a query for it is answered by two one-character terms.
DOMAIN_WORDS = (
    "网银", "手机银行", "年费", "账单分期", "跨境汇款", "短信验证码", "u盾", "境外消费", "销卡",
    "还款日", "账单日", "免息期", "最低还款", "溢缴款", "预授权", "快捷支付", "转账限额",
    "挂失补办", "信用额度", "临时额度", "提额", "分期手续费", "征信", "网点", "柜台",
)

# Words too common to rank by; dropped from a query that has other words (never alone).
STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each ever few for from further get got
had has have having he her here hers herself him himself his how i if in into is it its itself just
let me more most my myself no nor not of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they this
those through to too under until up us very was we were what when where which while who whom why
will with would you your yours yourself yourselves s t d ll m re ve
的 了 吗 呢 吧 啊 是 我 你 他 她 它 们 在 和 与 及 或 都 也 就 要 会 能 可以 怎么 怎样 如何 什么 为什么 哪些 请问 一下
""".split())

log = logging.getLogger(__name__)
_jieba_lock = threading.Lock()
_jieba = None
_cache_dir: str | None = None


def configure(cache_dir: str | None) -> None:
    """Where jieba caches its prefix dictionary (default: the system temp directory)."""
    global _cache_dir
    _cache_dir = cache_dir


def _segmenter():
    """jieba's tokenizer, initialised once per process, quietly and thread-safely."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                directory = _cache_dir or tempfile.gettempdir()
                os.makedirs(directory, exist_ok=True)
                tokenizer.tmp_dir = directory
                tokenizer.cache_file = "jieba-qaforum.cache"
                tokenizer.initialize()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word, freq=2000)
                _jieba = tokenizer
    return _jieba


# --- folding -----------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """One character folded: NFKC (full width to half width), casefold, accents removed."""
    s = unicodedata.normalize("NFKC", ch).casefold()
    if s.isascii():
        return s
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", s)


def fold(text: str) -> str:
    """The text as the index sees it. Folds per character, so offsets map back (see highlight)."""
    text = text or ""
    if text.isascii():
        return text.lower()
    return "".join(fold_char(c) for c in text)


def is_han(token: str) -> bool:
    return bool(HAN_RE.search(token))


def is_spellable(token: str) -> bool:
    """Tokens eligible for typo tolerance and prefix expansion: letters only, not Han."""
    return bool(LETTERS_RE.match(token)) and not is_han(token)


# --- tokens ------------------------------------------------------------------------------------

def _han_words(run: str) -> list[str]:
    """jieba's precise cut of a folded run that contains Han characters, as alnum tokens."""
    out: list[str] = []
    for piece in _segmenter().cut(run, HMM=False):
        out.extend(WORD_RE.findall(piece))
    return out


def _han_extras(words: list[str]) -> list[str]:
    """Dictionary words inside long words, plus every Han bigram of the run."""
    seg = _segmenter()
    extras: list[str] = []
    for w in words:
        # Three-character dictionary words inside longer words (信用卡 in 信用卡中心); shorter
        # ones are among the bigrams below.
        if len(w) > 3 and is_han(w):
            extras.extend(w[i:i + 3] for i in range(len(w) - 2) if seg.FREQ.get(w[i:i + 3]))
    for run in HAN_RUN_RE.findall("".join(w for w in words)):
        extras.extend(run[i:i + 2] for i in range(len(run) - 1))
    main = set(words)
    return [e for e in extras if e not in main]


def index_tokens(text: str) -> list[str]:
    """All tokens of ``text`` for the index: main tokens in order, then Han extras."""
    main: list[str] = []
    extras: list[str] = []
    for word in WORD_RE.findall(fold(text)):
        if is_han(word):
            words = _han_words(word)
            main.extend(words)
            extras.extend(_han_extras(words))
        else:
            main.append(word)
    return main + extras


def query_words(text: str) -> list[str]:
    """Query text as words: Latin words whole; Han runs cut by jieba, with consecutive single
    characters (an unknown word) joined back into bigrams so they match the index's bigrams."""
    out: list[str] = []
    for word in WORD_RE.findall(fold(text)):
        if not is_han(word):
            out.append(word)
            continue
        singles: list[str] = []
        for w in _han_words(word) + [""]:
            if len(w) == 1 and is_han(w):
                singles.append(w)
                continue
            if singles:
                out.extend(["".join(singles[i:i + 2]) for i in range(len(singles) - 1)] or singles)
                singles = []
            if w:
                out.append(w)
    return out


def index_text(text: str) -> str:
    """Tokens joined by spaces: the form stored in an FTS5 column."""
    return " ".join(index_tokens(text))


def warm_up() -> None:
    """Load jieba now (e.g. before a benchmark) instead of on the first Chinese text."""
    _segmenter()
