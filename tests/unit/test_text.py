"""Shared text analysis (app/text): folding, Chinese segmentation, index tokens, query words,
and that the package stays pure (no Flask, no database, no domain)."""
import ast
from pathlib import Path

from app.text import STOP_WORDS, fold, index_text, index_tokens, is_spellable, query_words

TEXT = Path(__file__).resolve().parents[2] / "app" / "text"


def test_fold_handles_width_case_and_accents():
    assert fold("ＡＴＭ Card Café ß") == "atm card cafe ss"
    assert fold("信用卡１２３") == "信用卡123"


def test_index_tokens_segment_chinese_and_add_bigrams_after_the_main_tokens():
    tokens = index_tokens("如何办理信用卡销户手续")
    main = tokens[:5]
    assert main == ["如何", "办理", "信用卡", "销户", "手续"]
    assert "卡销" in tokens[5:]          # every bigram, so words match across jieba's cuts


def test_two_character_words_match_inside_longer_text():
    # jieba cuts 想开户口 as 想开 / 户口; the bigram 开户 is still indexed.
    assert "开户" in index_tokens("我想开户口")
    assert query_words("开户") == ["开户"]


def test_domain_words_are_kept_whole():
    assert "年费" in index_tokens("信用卡年费怎么退")[:5]
    assert query_words("网银 U盾") == ["网银", "u盾"]


def test_unknown_chinese_words_become_bigrams_in_queries():
    assert query_words("张三丰") in (["张三丰"], ["张三", "三丰"])


def test_spellable_means_letters_only_and_not_han():
    assert is_spellable("brewing") and not is_spellable("b2b") and not is_spellable("信用卡")


def test_stop_words_cover_both_languages():
    assert {"the", "how", "的", "怎么"} <= STOP_WORDS and "card" not in STOP_WORDS


def test_index_text_is_the_tokens_joined_by_spaces():
    assert index_text("ＡＴＭ吞卡") == " ".join(index_tokens("ＡＴＭ吞卡"))


def test_the_package_imports_no_framework_and_no_domain():
    for path in TEXT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                top = name.split(".")[0]
                assert top not in ("flask", "flask_babel", "sqlalchemy", "werkzeug"), (path.name, name)
                assert not name.startswith("app.") or name.startswith("app.text"), (path.name, name)
