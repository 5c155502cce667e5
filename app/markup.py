"""Markdown rendering and HTML sanitising (pure: no Flask, no db).

User text is rendered once, on write, and stored as source plus safe HTML. Raw HTML in
the source is allowed through the Markdown parser (imported Stack Exchange bodies are
HTML) and then cut down to an allow-list by nh3, so the stored HTML is inert.
"""
from __future__ import annotations

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    """Reduce HTML to the allow-list; links get rel="nofollow noopener noreferrer"."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """Markdown (CommonMark + tables + strikethrough) to sanitised HTML."""
    return sanitize_html(_md.render(source or ""))


_TAGS_RE = re.compile(r"<[^>]+>")
_WS_RE = re.compile(r"\s+")


def plain_text(html: str, limit: int | None = None) -> str:
    """Visible text of sanitised HTML, whitespace collapsed, optionally cut at ``limit``."""
    import html as _html

    text = _WS_RE.sub(" ", _html.unescape(_TAGS_RE.sub(" ", html or ""))).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_SEP = re.compile(r"[\s_-]+", re.UNICODE)


def slugify(text: str, max_length: int = 80) -> str:
    """URL slug that keeps CJK characters (``开户流程 FAQ`` -> ``开户流程-faq``)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = _SLUG_SEP.sub("-", _SLUG_DROP.sub("", text)).strip("-")
    return text[:max_length].rstrip("-") or "q"


_TAG_OK = re.compile(r"^[\w][\w.+#-]*$", re.UNICODE)


def normalize_tag(name: str) -> str:
    """Canonical tag name: NFKC (folds full-width), lower-case, spaces to hyphens."""
    name = unicodedata.normalize("NFKC", name or "").strip().lower()
    return re.sub(r"\s+", "-", name)


def is_valid_tag(name: str) -> bool:
    return 1 <= len(name) <= 35 and bool(_TAG_OK.match(name))
