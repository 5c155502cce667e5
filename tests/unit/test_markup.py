"""Rendering and sanitising of user text (pure)."""
from html.parser import HTMLParser

import pytest

from app.markup import is_valid_tag, normalize_tag, plain_text, render_markdown, slugify

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src='javascript:alert(1)'></iframe>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<object data=x></object><embed src=x>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form action=x><button formaction=javascript:alert(1)>x</button></form>",
    "![x](x\" onerror=\"alert(1))",
    "<<script>script>alert(1)<</script>/script>",
]


class ElementAudit(HTMLParser):
    """Collects the elements and attributes a browser would actually build (text is inert)."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)


@pytest.mark.parametrize("payload", XSS)
def test_payloads_render_inert(payload):
    audit = ElementAudit()
    audit.feed(render_markdown(payload))
    assert not audit.tags & {"script", "iframe", "svg", "object", "embed", "style", "form", "button", "math"}
    for tag, name, value in audit.attrs:
        assert not name.startswith("on"), (tag, name)
        assert name != "style"
        if name in ("href", "src") and ":" in value:
            assert value.split(":")[0].lower() in ("http", "https", "mailto"), value


def test_markdown_features_and_links():
    html = render_markdown("**b** `c`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[x](https://example.com)")
    assert "<strong>b</strong>" in html and "<code>c</code>" in html and "<table>" in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_slugify_keeps_chinese_and_folds_width():
    assert slugify("开户流程 FAQ？") == "开户流程-faq"
    assert slugify("ＡＢＣ Card!") == "abc-card"
    assert slugify("???") == "q"


def test_tags_normalised():
    assert normalize_tag(" Credit Card ") == "credit-card"
    assert normalize_tag("ＰＩＮ") == "pin"
    assert is_valid_tag("信用卡") and is_valid_tag("c++") and not is_valid_tag("<b>") and not is_valid_tag("x" * 36)


def test_plain_text():
    assert plain_text("<p>a &amp; b</p>\n<p>c</p>", 6) == "a & b…"
