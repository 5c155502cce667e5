"""The knowledge base in a real browser (Chromium through Playwright), in English and Chinese:
a curator promotes an accepted answer in two clicks, edits it, places it in two categories and
publishes it; a customer finds it by search and votes that it helped. Marked ``browser``:
.ci/run runs it.

With KB_SCREENSHOT_DIR set, the pages are also photographed at 1280 and 390 pixels wide (the
KB home, a category, the article, the curators' queue, the promote and edit forms) for a
person to look at; nothing is written otherwise.
"""
import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app.accounts.models import User
from app.db import unit_of_work
from app.extensions import db
from app.forum import services as forum
from app.kb.models import Article
from app.kb.services import create_category, flag_article, promote_answers

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "correct-horse-9"
SHOTS = os.environ.get("KB_SCREENSHOT_DIR")

CASES = {
    "en": {"switch": "English", "title": "Card swallowed by an ATM at the airport",
           "body": "The ATM at the airport kept the customer's card after a wrong PIN.",
           "answer": "Block the card in the app first, then order a replacement card to the home address.",
           "categories": ("Cards", "Lost and stolen cards"), "search": "card swallowed airport",
           "promote": "Promote to article", "draft": "Create the draft", "publish": "Save and publish",
           "helped": "You said this helped."},
    "zh": {"switch": "中文", "title": "客户的银行卡被机场的取款机吞了怎么办",
           "body": "客户在机场取款机输错密码后，卡被吞了。",
           "answer": "先在手机银行临时冻结卡片，再申请补卡寄到家庭地址。",
           "categories": ("信用卡", "挂失与补卡"), "search": "取款机 吞卡",
           "promote": "转为文章", "draft": "生成草稿", "publish": "保存并发布", "helped": "您表示有帮助。"},
}


@pytest.fixture
def live(app, make_user):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (.ci/run installs the Debian package)")
        pytest.skip("chromium is not installed on this machine")
    people = {role: make_user(role, name=f"{role}.kb") for role in ("staff", "expert", "moderator", "customer")}
    app.config.update(SERVER_NAME=None, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", people
    server.shutdown()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def _thread(people, case):
    question = forum.ask_question(db.session, title=case["title"], body=case["body"], tags=["cards"],
                                  visibility="public", by=people["staff"])
    answer = forum.post_answer(db.session, question, body=case["answer"], by=people["expert"])
    forum.accept_answer(db.session, answer, by=people["staff"])
    top = create_category(db.session, {"name": case["categories"][0], "default_audience": "public"},
                          by=people["moderator"])
    create_category(db.session, {"name": case["categories"][1], "parent_id": top.id}, by=people["moderator"])
    db.session.commit()
    return question


def _login(page, base, user, switch):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    page.click(f".lang-switch button:has-text('{switch}')")
    page.wait_for_load_state()


def _shoot(page, lang, name):
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{lang}-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_promote_edit_publish_then_a_customer_finds_it_and_votes(live, browser, lang):
    base, people = live
    case = CASES[lang]
    question = _thread(people, case)
    curator = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(curator, base, people["moderator"], case["switch"])
    curator.goto(f"{base}/questions/{question.id}")
    curator.click(f"a:has-text('{case['promote']}')")            # click 1: the promote form
    curator.wait_for_load_state()
    _shoot(curator, lang, "promote")
    curator.click(f"button:has-text('{case['draft']}')")         # click 2: the draft exists
    curator.wait_for_load_state()
    assert "/edit" in curator.url
    curator.fill("#environment", "Debit and credit cards; ATMs of other banks.")
    for name in case["categories"]:
        curator.check(f".kb-tree-picker label:has-text('{name}')")
    _shoot(curator, lang, "edit")
    curator.click(f"button:has-text('{case['publish']}')")
    curator.wait_for_load_state()
    assert "/kb/articles/" in curator.url and curator.locator("h1").inner_text() == case["title"]
    assert curator.locator(".kb-meta .kb-status-published").count() == 1
    _shoot(curator, lang, "article")
    if SHOTS:   # something in the queue to look at: a draft and a flag
        db.session.rollback()
        with unit_of_work(db.session, write=True):   # a writer, like the server's requests
            staff, expert, mod = (db.session.get(User, people[r].id) for r in ("staff", "expert", "moderator"))
            other = forum.ask_question(db.session, title=case["title"] + " (2)", body=case["body"], tags=["cards"],
                                       by=staff)
            promote_answers(db.session, forum.post_answer(db.session, other, body=case["answer"], by=expert), by=mod)
            flag_article(db.session, db.session.scalar(select(Article)), reason="outdated", comment=case["body"],
                         by=staff)
    curator.goto(f"{base}/kb/queue")
    _shoot(curator, lang, "queue")
    curator.close()

    customer = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(customer, base, people["customer"], case["switch"])
    customer.goto(f"{base}/kb/")
    _shoot(customer, lang, "home")
    customer.fill("#kb-q", case["search"])
    customer.press("#kb-q", "Enter")
    customer.wait_for_load_state()
    hit = customer.locator(".search-hit h2 a").first
    assert case["title"] in hit.inner_text().replace("\n", "")
    hit.click()
    customer.wait_for_load_state()
    customer.click("#helpful button[value=yes]")
    customer.wait_for_load_state()
    assert customer.locator(".kb-voted").inner_text() == case["helped"]
    customer.click(".kb-crumbs li:nth-child(2) a")
    customer.wait_for_load_state()
    _shoot(customer, lang, "category")
    assert case["title"] in customer.locator(".kb-list").inner_text()
    customer.close()
