"""Login throttling (app/accounts/throttle.py): one test per rule of its docstring. Limits are
lowered per test; every browser is a separate test client with its own address."""
from __future__ import annotations

import time

import pytest

from app.accounts.throttle import DEVICE_COOKIE
from app.extensions import db as _db

PASSWORD = "correct-horse-9"
NAT = "203.0.113.7"  # the call centre's one public address


@pytest.fixture
def limits(app):
    app.config.update(LOGIN_FAILURES_PER_IP="5 per 10 minutes", LOGIN_FAILURES_PER_ACCOUNT_IP="4 per 10 minutes",
                      LOGIN_FAILURES_PER_ACCOUNT="6 per 15 minutes", LOGIN_FAILURES_PER_DEVICE="3 per 15 minutes")
    return app.config


def attempt(browser, username, password, address=NAT):
    return browser.post("/login", data={"username": username, "password": password},
                        environ_base={"REMOTE_ADDR": address})


def fail(app, times, username, address=NAT, browser=None):
    browser = browser or app.test_client()
    for _ in range(times):
        assert attempt(browser, username, "wrong-guess-1", address).status_code == 200


def spray(app, times, address=NAT):
    """A password spray from one address: one wrong guess for each of ``times`` names."""
    for n in range(times):
        fail(app, 1, f"guess{n}", address)


def assert_throttled(response, username):
    html = response.get_data(as_text=True)
    assert response.status_code == 429, html[:300]
    assert "Too many failed attempts to log in" in html
    assert f'value="{username}"' in html and PASSWORD not in html and "wrong-guess-1" not in html
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


def test_many_failures_from_one_address_throttle_that_address(app, limits, make_user):
    agent = make_user("staff")
    spray(app, 5)  # a different name each time, known or not
    assert_throttled(attempt(app.test_client(), agent.username, PASSWORD), agent.username)
    # Another address is not concerned.
    assert attempt(app.test_client(), agent.username, PASSWORD, "198.51.100.20").status_code == 302


def test_a_known_device_still_logs_in_from_a_throttled_address(app, limits, make_user):
    agent, newcomer = make_user("staff"), make_user("staff")
    desk = app.test_client()
    assert attempt(desk, agent.username, PASSWORD).status_code == 302
    cookie = desk.get_cookie(DEVICE_COOKIE, path="/login")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    desk.post("/logout")

    spray(app, 5)  # the NAT address is throttled now
    assert attempt(desk, agent.username, PASSWORD).status_code == 302  # the agent's own browser
    # A browser new to its account waits, right password or not.
    assert_throttled(attempt(app.test_client(), newcomer.username, PASSWORD), newcomer.username)
    # The agent's cookie does not vouch for another account.
    desk.post("/logout")
    assert_throttled(attempt(desk, newcomer.username, PASSWORD), newcomer.username)


def test_a_known_device_has_its_own_budget_then_falls_back(app, limits, make_user):
    agent = make_user("staff")
    desk = app.test_client()
    assert attempt(desk, agent.username, PASSWORD).status_code == 302
    desk.post("/logout")
    spray(app, 5)  # address throttled
    fail(app, 3, agent.username, browser=desk)  # typos on a known device are not refused...
    # ...up to its own limit; then it is like any other browser, and the address is throttled.
    assert_throttled(attempt(desk, agent.username, PASSWORD), agent.username)


def test_failures_for_one_account_from_many_addresses_throttle_that_account(app, limits, make_user):
    victim, other = make_user("staff"), make_user("staff")
    desk = app.test_client()
    assert attempt(desk, victim.username, PASSWORD, "198.51.100.5").status_code == 302
    desk.post("/logout")
    for n in range(6):  # a botnet: one guess per address
        fail(app, 1, victim.username, f"192.0.2.{n + 1}")
    assert_throttled(attempt(app.test_client(), victim.username, PASSWORD, "198.51.100.9"), victim.username)
    # Only that account: another one from the same fresh address logs in...
    assert attempt(app.test_client(), other.username, PASSWORD, "198.51.100.9").status_code == 302
    # ...and so does the victim, from the browser they used before.
    assert attempt(desk, victim.username, PASSWORD, "198.51.100.5").status_code == 302


def test_failures_for_one_account_from_one_address_throttle_that_pair(app, limits, make_user):
    user, colleague = make_user("staff"), make_user("staff")
    fail(app, 4, user.username)
    assert_throttled(attempt(app.test_client(), user.username, PASSWORD), user.username)
    assert attempt(app.test_client(), colleague.username, PASSWORD).status_code == 302


def test_unknown_names_are_throttled_like_real_ones(app, limits, make_user):
    """Whether a name exists does not change the answer: no account oracle."""
    real = make_user("staff")
    fail(app, 4, real.username, "192.0.2.50")
    fail(app, 4, "no-such-user", "192.0.2.51")
    assert_throttled(attempt(app.test_client(), real.username, "wrong-guess-1", "192.0.2.50"), real.username)
    assert_throttled(attempt(app.test_client(), "no-such-user", "wrong-guess-1", "192.0.2.51"), "no-such-user")


def test_a_lockout_ends_one_window_after_the_last_failure(app, make_user):
    """Refused attempts count nothing, so an attacker cannot keep an account locked by knocking."""
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT_IP="2 per 2 seconds")
    user = make_user("staff")
    fail(app, 2, user.username)
    for _ in range(5):
        assert attempt(app.test_client(), user.username, "wrong-guess-1").status_code == 429
    time.sleep(2.2)
    assert attempt(app.test_client(), user.username, PASSWORD).status_code == 302


def test_a_success_clears_the_account_and_address_counter(app, limits, make_user):
    limits.update(LOGIN_FAILURES_PER_IP="100 per 10 minutes", LOGIN_FAILURES_PER_ACCOUNT="100 per 10 minutes")
    user = make_user("staff")
    browser = app.test_client()
    for _ in range(2):
        fail(app, 3, user.username, "192.0.2.77", browser)
        assert attempt(browser, user.username, PASSWORD, "192.0.2.77").status_code == 302
        browser.post("/logout")
        browser.delete_cookie(DEVICE_COOKIE, path="/login")  # count it as a new browser again


def test_forged_or_foreign_device_cookies_count_for_nothing(app, limits, make_user):
    user = make_user("staff")
    spray(app, 5)
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, "eyJkIjoieCIsImEiOltdfQ.forged.signature", path="/login")
    assert_throttled(attempt(forged, user.username, PASSWORD), user.username)


def test_ipv6_clients_are_counted_by_their_64_network(app, limits, make_user):
    user = make_user("staff")
    for n in range(5):
        fail(app, 1, f"guess{n}", f"2001:db8:1:2::{n + 1:x}")
    assert_throttled(attempt(app.test_client(), user.username, PASSWORD, "2001:db8:1:2:ffff::1"), user.username)
    assert attempt(app.test_client(), user.username, PASSWORD, "2001:db8:1:3::1").status_code == 302


def test_two_apps_on_memory_storage_do_not_share_counts(app, limits, make_user):
    """Control for the Redis test (test_security_redis.py): the same steps with memory:// do not
    add up, so what adds up there is Redis, not an accident of one process."""
    from app import create_app
    from config import TestingConfig

    user = make_user("staff")
    workers = [create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                          RATELIMIT_STORAGE_URI="memory://",
                          **{k: v for k, v in limits.items() if k.startswith("LOGIN_FAILURES")}) for _ in range(2)]
    try:
        for n in range(5):
            assert attempt(workers[n % 2].test_client(), f"guess{n}", "wrong-guess-1").status_code == 200
        for worker in workers:
            assert attempt(worker.test_client(), user.username, PASSWORD).status_code == 302
    finally:
        for worker in workers:
            with worker.app_context():
                _db.engine.dispose()
