"""The live loop in a real browser (Chromium through Playwright): an expert's page and an asker's
page side by side, under the real CSP, Socket.IO client from static/vendor. Marked ``browser``.

* the asker asks, and the expert's bell rises without a reload;
* the expert answers, and the asker's question page shows the answer live, with a toast;
* the asker's network drops and comes back, and nothing is missing (nor shown twice)."""
import os
import shutil
import threading
from pathlib import Path

import factories
import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "socket.io.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "correct-horse-9"


def _need(ok: bool, reason: str) -> None:
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def live(app, db, make_user):
    _need(CHROMIUM is not None, "chromium is not installed on this machine")
    _need(VENDOR.exists(), "static/vendor/socket.io.min.js is missing: run make install (needs npm)")
    app.config.update(SERVER_NAME=None, WTF_CSRF_ENABLED=True, EXPERTS_NOTIFY=1, LIVE_UPDATES=True)
    expert, asker = make_user("expert", name="wang.live"), make_user("staff", name="li.live")
    factories.history(expert, make_user("staff"), tags=("cards",), n=3)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", expert, asker
    server.shutdown()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def logged_in(browser, base: str, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    return context, page, errors


def until(page, check, timeout: float = 10.0, what: str = "") -> None:
    """Poll ``check()`` (Python, through locators): page functions would need eval, which the CSP
    forbids, as it should."""
    for _ in range(int(timeout * 10)):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def bell(page) -> int:
    text = page.locator(".notif-count").inner_text().strip()
    return int(text) if text.isdigit() else 0


def test_the_loop_in_the_browser(live, browser):
    base, expert, asker = live
    expert_ctx, expert_page, expert_errors = logged_in(browser, base, expert)
    asker_ctx, asker_page, asker_errors = logged_in(browser, base, asker)
    expert_page.goto(f"{base}/notifications")
    before = bell(expert_page)
    expert_page.wait_for_timeout(500)  # connected

    # The asker asks: the expert's bell rises, without a reload, with a toast.
    asker_page.goto(f"{base}/questions/ask")
    asker_page.fill("#title", "Live: a customer's card was swallowed by the ATM")
    asker_page.fill("#body", "The customer is at the ATM right now. What should the agent do first?")
    asker_page.fill("#tags", "cards")
    asker_page.click("form.post-form button[type=submit]")
    asker_page.wait_for_selector("[data-live-question]")
    question_url = asker_page.url
    until(expert_page, lambda: bell(expert_page) > before, what="the expert's bell to rise")
    expert_page.wait_for_selector(".toast", timeout=5000)
    assert "swallowed by the ATM" in expert_page.locator(".toast").first.inner_text()
    assert expert_page.locator("[data-live-list] .note.is-live").count() == 1  # the inbox grew too

    # The expert answers: the asker's open question page shows it live, and a toast says so.
    asker_page.wait_for_timeout(300)  # the page has joined its question's room
    expert_page.goto(question_url)
    expert_page.fill("#answer-body", "Call the ATM hotline to retain the card, then block it in the core system.")
    expert_page.click(".answer-form button[type=submit]")
    asker_page.wait_for_selector("article.answer-post.is-new", timeout=10000)
    assert "ATM hotline" in asker_page.locator("article.answer-post").first.inner_text()
    asker_page.wait_for_selector(".toast", timeout=5000)
    assert "answered your question" in asker_page.locator(".toast").last.inner_text()

    # The network drops; meanwhile the expert comments and answers again; the network comes back.
    asker_ctx.set_offline(True)
    asker_page.wait_for_timeout(500)
    expert_page.goto(question_url)
    expert_page.click("#answer-" + asker_page.locator("article.answer-post").first.get_attribute("id").split("-")[1]
                      + " .comment-add summary")
    expert_page.fill("#answer-" + asker_page.locator("article.answer-post").first.get_attribute("id").split("-")[1]
                     + " textarea[name=body]", "Also note the ATM number for the branch.")
    expert_page.locator("article.answer-post .comment-add button[type=submit]").first.click()
    expert_page.wait_for_load_state()
    asker_ctx.set_offline(False)
    comments = asker_page.locator("article.answer-post .comment-list")
    until(asker_page, lambda: comments.count() and "ATM number" in comments.first.inner_text(), 30,
          "the comment made while offline")
    # Nothing twice: the comment's notification arrived once.
    asker_page.goto(f"{base}/notifications")
    items = asker_page.locator(".note-list .note-text").all_inner_texts()
    assert len([t for t in items if "commented on" in t]) == 1  # the asker follows their question
    assert len([t for t in items if "answered your question" in t]) == 1
    csp = [e for e in asker_errors + expert_errors if "Content Security Policy" in e]
    assert csp == [], csp
    expert_ctx.close()
    asker_ctx.close()
