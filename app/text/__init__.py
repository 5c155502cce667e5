"""Text analysis shared by search and experts (pure: no Flask, no database).

Below every domain that reads text: the search engine indexes and parses queries with it, and
the expertise index builds people's text profiles with it, so a word is the same word on both
sides (folded the same way, Chinese cut by the same jieba dictionary, the same stop words).

* :mod:`app.text.fold` - NFKC folding (width, case, accents), word and Han patterns;
* :mod:`app.text.segment` - jieba, lazily initialised, with the contact-centre dictionary;
* :mod:`app.text.tokens` - index tokens (with Han bigrams) and query words;
* :mod:`app.text.stopwords` - English and Chinese words too common to rank by.

Configuration is passed in, never read from an app: :func:`configure` names jieba's cache
directory (the search domain calls it with the app's instance folder).
"""
from app.text.fold import HAN_RE, HAN_RUN_RE, LETTERS_RE, WORD_RE, fold, fold_char, is_han, is_spellable
from app.text.segment import DOMAIN_WORDS, configure, warm_up
from app.text.stopwords import STOP_WORDS
from app.text.tokens import index_text, index_tokens, query_words

__all__ = [
    "DOMAIN_WORDS", "HAN_RE", "HAN_RUN_RE", "LETTERS_RE", "STOP_WORDS", "WORD_RE", "configure", "fold",
    "fold_char", "index_text", "index_tokens", "is_han", "is_spellable", "query_words", "warm_up",
]
