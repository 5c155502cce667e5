"""XSS: a corpus of payloads typed into titles, bodies, tags, comments, answers, edits and a
display name must render inert on every forum page that shows them, and on the 422 pages
that echo them back into the form.

"Inert" is checked on the parsed page, not on the raw text: an escaped payload legitimately
shows `onerror=` or `javascript:` as *text* (and inside a form field's value); what must not
exist is a script element, an event-handler attribute or a script-bearing URL attribute.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from forum_pages_support import sign_in, sign_out, text

from app.accounts import services as accounts
from app.extensions import db
from app.forum.models import Answer, Question


PAYLOADS = [
    "<script>alert('x')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle r=5></circle></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<a href=\"javascript:alert(1)\">click me</a>",
    "<a href=\"&#106;avascript:alert(1)\">entity</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">tab</a>",
    "<a href=\" javascript:alert(1)\">space</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    "<div style=\"background:url(javascript:alert(1))\">styled</div>",
    "<p style=\"width: expression(alert(1))\">expression</p>",
    "<style>body{display:none}</style>",
    "[markdown link](javascript:alert(1))",
    "[mixed case](JaVaScRiPt:alert(1))",
    "![markdown image](javascript:alert(1))",
    "[data link](data:text/html,<script>alert(1)</script>)",
    "<details open ontoggle=alert(1)>x</details>",
    "<input autofocus onfocus=alert(1)>",
    "<object data=\"javascript:alert(1)\"></object><embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button formaction=javascript:alert(1)>x</button></form>",
    "<base href=\"javascript:/\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;",
    "{{ 7*7 }} {% raw %} ${alert(1)}",
]

_URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "srcset",
              "cite", "longdesc", "ping", "lowsrc", "dynsrc"}
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
_NEVER = {"iframe", "object", "embed", "base", "svg", "math", "style", "frame", "frameset", "applet"}
OUR_SCRIPT = "/static/js/app.js"
# The ask page adds the suggestions script; logged-in pages the live client (issue 10).
OUR_SCRIPTS = {OUR_SCRIPT, "/static/js/search.js", "/static/vendor/socket.io.min.js", "/static/js/live.js"}


def _unprinted(src: str) -> str:
    """A script address without its content fingerprint (app/assets.py: ``?v=`` and 12 hex digits)."""
    return re.sub(r"\?v=[0-9a-f]{12}$", "", src)


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in _URL_ATTRS and value:
                squeezed = re.sub(r"[\x00-\x20]+", "", value).lower()
                if squeezed.startswith(_BAD_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and _unprinted(dict(attrs).get("src") or "") not in OUR_SCRIPTS:
            self.problems.append("<script> that is not ours")
        if tag in _NEVER or (tag == "meta" and "http-equiv" in dict(attrs)):
            self.problems.append(f"<{tag}>")

    handle_startendtag = handle_starttag


def assert_inert(html: str, where: str) -> None:
    inspector = _Inspector()
    inspector.feed(html)
    assert inspector.problems == [], f"{where}: {inspector.problems}"
    # On raw text only this check is exact: escaped text never contains a literal "<script".
    ours = sum(len(re.findall(f'<script src="{re.escape(src)}(?:\\?v=[0-9a-f]{{12}})?" defer></script>', html))
               for src in OUR_SCRIPTS)
    assert 1 <= ours == len(re.findall(r"<script", html, re.I)), where  # only our own scripts


@pytest.mark.parametrize("live", [
    '<img src=x onerror="alert(1)">', "<a href=' JaVa&#x53;cript:alert(1)'>x</a>", "<iframe></iframe>",
    '<script src="/static/js/app.js"></script><script>alert(1)</script>', '<form action="data:,x">',
    '<p style="color:red">', '<meta http-equiv="refresh" content="0">',
])
def test_the_inspector_catches_live_markup(live):
    page = f'<script src="{OUR_SCRIPT}" defer></script>{live}'
    with pytest.raises(AssertionError):
        assert_inert(page, "sample")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_inert_everywhere(client, make_user, payload):
    author = accounts.create_user(db.session, "xss-author", "long-password-1", role="staff",
                                  display_name=payload[:100])
    db.session.commit()
    sign_in(client, author)
    padding = "\n\nplus enough ordinary words to pass the length checks"
    response = client.post("/questions/ask", data={
        "title": (payload + " title")[:200], "body": payload + padding, "tags": "xss", "visibility": "public"})
    assert response.status_code == 303, text(response)[:2000]
    question = db.session.query(Question).one()
    url = f"/questions/{question.id}/{quote(question.slug)}"
    assert client.post(f"/questions/{question.id}/answers", data={"body": payload + padding}).status_code == 303
    answer = db.session.query(Answer).one()
    for target in (f"/questions/{question.id}/comments", f"/answers/{answer.id}/comments"):
        assert client.post(target, data={"body": payload[:1000]}).status_code == 303
    edit = client.post(f"/questions/{question.id}/edit", data={
        "title": question.title, "body": "Edited: " + payload + padding + " again", "tags": "xss",
        "visibility": "public", "comment": payload[:300]})
    assert edit.status_code == 303

    pages = {
        "question (author)": client.get(url),
        "list": client.get("/"),
        "tag page": client.get("/tags/xss"),
        "tags": client.get("/tags"),
        "user page": client.get(f"/users/{author.id}"),
        "question revisions": client.get(f"/questions/{question.id}/revisions"),
        "answer revisions": client.get(f"/answers/{answer.id}/revisions"),
        "edit form": client.get(f"/questions/{question.id}/edit"),
        "ask 422 (payload as tags)": client.post("/questions/ask", data={
            "title": payload[:200], "body": payload, "tags": payload, "visibility": "public"}),
        "answer 422": client.post(f"/questions/{question.id}/answers", data={"body": payload[:9]}),
        "comment 422": client.post(f"/questions/{question.id}/comments", data={"body": "x"}),
        # The author may not close (a privilege by points): the refusal is flashed on the question.
        "close refused": client.post(f"/questions/{question.id}/close", data={"reason": payload},
                                     follow_redirects=True),
    }
    sign_out(client)
    pages["question (anonymous)"] = client.get(url)
    for where, page in pages.items():
        assert page.status_code in (200, 403, 422), (where, page.status_code)
        assert_inert(text(page), where)


def test_a_tag_that_looks_like_markup_is_refused_and_echoed_escaped(client, make_user):
    sign_in(client, make_user("staff"))
    response = client.post("/questions/ask", data={
        "title": "A question with a strange tag", "body": "Body that is long enough.",
        "tags": "<svg/onload=alert(1)>", "visibility": "public"})
    assert response.status_code == 422
    assert "Not a valid tag: &lt;svg/onload=alert(1)&gt;" in text(response)
    assert_inert(text(response), "ask 422")


def test_attribution_link_only_for_web_addresses(client, make_user):
    for url, shown in (("javascript:alert(1)", False), ("https://beer.stackexchange.com/q/1", True)):
        question = Question(title=f"Imported question {shown}", slug="imported", body_md="x",
                            body_html="<p>Imported body</p>", source_url=url, source_author="<b>Hop</b>",
                            license="CC BY-SA 3.0", source_site="beer", source_id=int(shown))
        db.session.add(question)
        db.session.commit()
        html = text(client.get(f"/questions/{question.id}/imported"))
        assert_inert(html, "imported question")
        assert ("Originally posted at" in html) is shown
        if shown:
            assert 'href="https://creativecommons.org/licenses/by-sa/3.0/"' in html
            assert "by &lt;b&gt;Hop&lt;/b&gt;, licensed" in html
