"""The translation catalogs: complete, in step with the sources, and used by the pages.

Babel parses the app's "zh_CN" as zh_Hans_CN and looks for zh_Hans_CN/ then zh/, so the Chinese
catalog lives in app/translations/zh_Hans_CN/. English is the source language: its catalog ships
with empty msgstrs, which fall back to the msgids. scripts/i18n.sh extract/update/compile/check
maintain the files; these tests fail when someone adds a string and forgets to run it.
"""
from __future__ import annotations

import html as html_module
import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app import create_app
from app.extensions import db as _db
from config import TestingConfig

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
ZH_PO = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
I18N_SCRIPT = ROOT / "scripts" / "i18n.sh"

# %(name)s and friends, positional %s / %d, and {name} (str.format / the JS templates).
_PRINTF = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")
_BRACES = re.compile(r"\{(\w*)\}")
_URL = re.compile(r"https?://[^\s)\]>\"']+")


def _load(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _key(message) -> tuple:
    msgid = message.id if isinstance(message.id, str) else tuple(message.id)
    return (message.context, msgid)


def _strings(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or ())


def placeholders(text: str) -> set[str]:
    found = set()
    for name, conversion in _PRINTF.findall(text):
        if conversion != "%":
            found.add(f"%({name}){conversion}" if name else f"%{conversion}")
    found.update("{" + name + "}" for name in _BRACES.findall(text))
    return found


@pytest.fixture(scope="module")
def zh_catalog():
    return _load(ZH_PO, "zh_Hans_CN")


# --- (a) every message translated, nothing fuzzy, placeholders kept --------------------------

def test_zh_catalog_header(zh_catalog):
    assert not zh_catalog.fuzzy, "remove '#, fuzzy' from the header, or compile skips the catalog"
    assert zh_catalog.mime_headers and dict(zh_catalog.mime_headers)["Language"] == "zh_CN"
    assert dict(zh_catalog.mime_headers)["Plural-Forms"] == "nplurals=1; plural=0;"
    assert zh_catalog.num_plurals == 1


def test_every_zh_message_is_translated_and_not_fuzzy(zh_catalog):
    messages = [m for m in zh_catalog if m.id]
    assert len(messages) > 300  # the whole forum, not a stub
    untranslated = [m.id for m in messages if not all(s.strip() for s in _strings(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    wrong_forms = [m.id for m in messages if m.pluralizable and len(_strings(m.string)) != 1]
    assert not wrong_forms, f"zh has one plural form: {wrong_forms}"


def test_zh_translations_keep_placeholders_and_markup(zh_catalog):
    problems = []
    for m in zh_catalog:
        if not m.id:
            continue
        # The plural msgid carries every placeholder (the singular may spell out "one").
        source = m.id if isinstance(m.id, str) else m.id[-1]
        for translation in _strings(m.string):
            if placeholders(translation) != placeholders(source):
                problems.append(("placeholders", source, translation))
            if set(_URL.findall(translation)) != set(_URL.findall(source)):
                problems.append(("links", source, translation))
            for mark in ("**", "`", "<token>", "](", "[", "]"):
                if translation.count(mark) != source.count(mark):
                    problems.append((mark, source, translation))
    assert not problems


def test_zh_catalog_passes_babel_checks(zh_catalog):
    problems = [(m.id, str(error)) for m in zh_catalog if m.id for error in m.check(zh_catalog)]
    assert not problems


def test_zh_translations_are_not_left_in_english(zh_catalog):
    """Product names and codes may stay in Latin letters; an English sentence may not."""
    english = []
    for m in zh_catalog:
        if not m.id:
            continue
        for translation in _strings(m.string):
            words = _BRACES.sub("", _PRINTF.sub("", translation))
            if not re.search(r"[\u4e00-\u9fff]", words) and re.search(r"[A-Za-z]{3,}", words):
                english.append((m.id, translation))
    assert not english


def test_en_catalog_ships_and_falls_back_to_the_source():
    catalog = _load(EN_PO, "en")
    assert not catalog.fuzzy
    ids = {_key(m) for m in catalog if m.id}
    assert ids == {_key(m) for m in _load(ZH_PO, "zh_Hans_CN") if m.id}


# --- (b) the catalog is in step with the sources ----------------------------------------------

def _extraction_keywords() -> dict:
    """The -k options of scripts/i18n.sh, on top of Babel's defaults (as pybabel does)."""
    text = I18N_SCRIPT.read_text(encoding="utf-8")
    block = text[text.index("EXTRACT_ARGS=("):]
    block = block[:block.index(")\n")]
    extra = re.findall(r"-k\s+(\S+)", block)
    assert "_l" in extra and "lazy_gettext" in extra
    return {**DEFAULT_KEYWORDS, **parse_keywords(extra)}


@pytest.fixture(scope="module")
def extracted() -> dict:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=_extraction_keywords()):
        msgid = message if isinstance(message, str) else tuple(message)
        found.setdefault((context, msgid), filename)
    return found


def test_extraction_sees_python_lazy_and_template_strings(extracted):
    ids = {msgid for _ctx, msgid in extracted}
    assert "Please log in first." in ids                        # _l() in a service
    assert "Log out" in ids                                     # {{ _() }} in a template
    assert ("%(num)d question", "%(num)d questions") in ids     # ngettext in a template
    assert "Not a valid tag: %(t)s" in ids                      # _l() with a placeholder


def test_no_source_string_is_missing_from_the_catalog(extracted, zh_catalog):
    have = {_key(m) for m in zh_catalog if m.id}
    missing = {key: filename for key, filename in extracted.items() if key not in have}
    assert not missing, f"run scripts/i18n.sh extract update, then translate: {missing}"


def test_catalog_has_no_message_the_sources_dropped(extracted, zh_catalog):
    stale = [m.id for m in zh_catalog if m.id and _key(m) not in extracted]
    assert not stale, f"run scripts/i18n.sh extract update: {stale}"


# --- (c) the pages use the catalog -------------------------------------------------------------

@pytest.fixture(scope="module")
def compiled_translations(tmp_path_factory) -> Path:
    """The .po files compiled into a temporary directory (the real .mo files are build output)."""
    out = tmp_path_factory.mktemp("translations")
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        locale = po.parent.parent.name
        target = out / locale / "LC_MESSAGES" / "messages.mo"
        target.parent.mkdir(parents=True)
        with target.open("wb") as f:
            write_mo(f, _load(po, locale))
    return out


@pytest.fixture
def app(tmp_path, compiled_translations):
    """The suite's app (tests/conftest.py: each test-client request gets its own app context),
    reading the freshly compiled catalogs."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'test.db'}",
                     BABEL_TRANSLATION_DIRECTORIES=str(compiled_translations))
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _nav_ask(html: str) -> str:
    match = re.search(r'<a class="nav-ask"[^>]*>([^<]*)</a>', html)
    assert match, "the header's ask link is missing"
    return match.group(1)


def _i18n_block(html: str) -> dict:
    match = re.search(r"<body data-i18n='([^']*)'>", html)
    assert match, "base.html's data-i18n strings are missing"
    return json.loads(html_module.unescape(match.group(1)))


def test_chinese_browser_gets_chinese_pages(client):
    html = _html(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}))
    assert '<html lang="zh-CN">' in html
    assert _nav_ask(html) == "提问"
    assert "知识论坛" in html and "退出登录" not in html and "登录" in html
    assert "Ask a question" not in html and "Log in" not in html
    assert '<p class="count">0 个问题</p>' in html  # ngettext, one plural form
    assert _i18n_block(html)["similarHeading"] == "以下相似问题可能已有答案："


def test_english_browser_gets_english_pages(client):
    html = _html(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert '<html lang="en">' in html
    assert _nav_ask(html) == "Ask a question"
    assert "Knowledge forum" in html and "知识论坛" not in html
    assert '<p class="count">0 questions</p>' in html  # the empty English plurals fall back too
    assert _i18n_block(html)["similarHeading"] == "Similar questions that may already have an answer:"


def test_a_users_language_setting_beats_the_browser(client, make_user, login, db):
    user = make_user("staff")
    user.locale = "zh_CN"
    db.session.commit()
    login(user)
    html = _html(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert '<html lang="zh-CN">' in html
    assert _nav_ask(html) == "提问" and "退出登录" in html and "Log out" not in html


def test_lazy_strings_from_python_are_translated(client, make_user, login, db):
    """Form labels (lazy_gettext at import time) and service messages follow the request."""
    user = make_user("staff")
    user.locale = "zh_CN"
    db.session.commit()
    login(user)
    html = _html(client.get("/questions/ask"))
    assert "标题" in html and "谁可以查看" in html and "公开：所有人可见，包括客户" in html
    response = client.post("/questions/ask", data={"title": "短", "body": "", "tags": "", "visibility": "public"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请检查填写的内容。" in html and "标题至少需要 8 个字符。" in html  # a service's _l() with %(n)d


def test_error_pages_and_login_prompt_are_translated(client):
    headers = {"Accept-Language": "zh-CN"}
    response = client.get("/no/such/page", headers=headers)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "未找到" in html and "Not Found" not in html and "requested URL" not in html
    # Flask-Login's own prompt (admin pages) is the forum's translated one.
    response = client.get("/admin/users", headers=headers, follow_redirects=True)
    assert "请登录后继续。" in response.get_data(as_text=True)
    english = client.get("/no/such/page", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Not Found" in english and "The requested URL was not found on the server." in english
