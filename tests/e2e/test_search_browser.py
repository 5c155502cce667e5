"""The search page and the ask page's similar questions in a real browser (Chromium through
Playwright), with Chinese and English content. Marked ``browser``: .ci/run runs it."""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from app.forum import services

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def live(app, db, make_user):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (.ci/run installs the Debian package)")
        pytest.skip("chromium is not installed on this machine")
    staff = make_user("staff", name="li.na")
    for title, body in (("信用卡年费怎么退", "客户说年费被收了两次。"),
                        ("How do I report a lost credit card abroad?", "The customer is travelling."),
                        ("Replacement card delivery time", "How long does a new card take?")):
        services.ask_question(db.session, title=title, body=body, tags=["cards"], by=staff)
    db.session.commit()
    app.config.update(SERVER_NAME=None, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", staff
    server.shutdown()


@pytest.fixture
def page(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser.new_page()
        browser.close()


def test_search_page_in_chinese_and_english(live, page):
    base, _ = live
    page.goto(f"{base}/search?q=年费")
    assert page.locator(".search-hit mark").first.inner_text() == "年费"
    page.fill("#search-q", "lost credit card")
    page.click(".search-main button")
    assert "report a lost credit card" in page.locator(".search-hit h2").first.inner_text()
    page.goto(f"{base}/search?q=mortgage+holiday")
    assert page.locator("a.button", has_text="Ask this as a question").count() == 1


def test_similar_questions_appear_while_typing_a_title(live, page):
    base, staff = live
    page.goto(f"{base}/login")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", "correct-horse-9")
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    page.goto(f"{base}/questions/ask?title=Replacement%20card")
    page.fill("#title", "")
    page.type("#title", "lost credit ca", delay=20)
    page.wait_for_selector("#similar li")
    assert "report a lost credit card" in page.locator("#similar").inner_text()
