"""Chinese segmentation: one jieba tokenizer per process, built lazily and quietly (pure).

jieba caches its prefix dictionary in a directory given by :func:`configure` (default: the
system temp directory), so only the first start in a fresh environment pays the ~2 s build.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading

# Bank contact-centre words that jieba's general dictionary lacks; without them 年费 is cut
# into 年 / 费 and a query for it is answered by two one-character terms.
DOMAIN_WORDS = (
    "网银", "手机银行", "年费", "账单分期", "跨境汇款", "短信验证码", "u盾", "境外消费", "销卡",
    "还款日", "账单日", "免息期", "最低还款", "溢缴款", "预授权", "快捷支付", "转账限额",
    "挂失补办", "信用额度", "临时额度", "提额", "分期手续费", "征信", "网点", "柜台",
)

_lock = threading.Lock()
_jieba = None
_cache_dir: str | None = None


def configure(cache_dir: str | None) -> None:
    """Where jieba caches its prefix dictionary (None: the system temp directory). Takes
    effect if called before the first segmentation; later calls change nothing loaded."""
    global _cache_dir
    _cache_dir = cache_dir


def segmenter():
    """jieba's tokenizer, initialised once per process, quietly and thread-safely."""
    global _jieba
    if _jieba is None:
        with _lock:
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


def warm_up() -> None:
    """Load jieba now (e.g. before a benchmark) instead of on the first Chinese text."""
    segmenter()
