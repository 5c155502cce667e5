"""Accounts over HTTP: register, log in and out, remember me, rate limit, safe redirects,
password change, language setting, API tokens and CSRF."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from flask_login.utils import encode_cookie

from app import signals
from app.accounts.models import ApiToken, User


PASSWORD = "correct-horse-9"  # make_user's default in tests/conftest.py
GENERIC_LOGIN_ERROR = "The username or password is incorrect."


def _text(response) -> str:
    return response.get_data(as_text=True)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


# --- register ------------------------------------------------------------------

def test_passwords_are_hashed_with_scrypt_outside_the_test_suite(tmp_path):
    from app import create_app
    from app.extensions import db as _db
    from config import Config

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}")
    with app.app_context():
        _db.create_all()
        from app.accounts.services import create_user
        assert create_user(_db.session, "hasher", "long-enough-1").password_hash.startswith("scrypt:")
        _db.session.rollback()


def test_register_creates_a_customer_and_logs_them_in(client, db):
    response = client.post("/register", data={
        "username": "zhang.san", "display_name": "张三", "email": "Zhang@Example.com",
        "password": "long-enough-1", "confirm": "long-enough-1"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.query(User).filter_by(username="zhang.san").one()
    assert (user.role, user.display_name, user.email) == ("customer", "张三", "zhang@example.com")
    assert user.password_hash.startswith("pbkdf2:")  # the suite's cheap method; see below
    settings = client.get("/settings")
    assert settings.status_code == 200 and "zhang.san" in _text(settings)


def test_register_refuses_a_taken_name_and_keeps_what_was_typed(client, make_user):
    make_user(name="taken")
    response = client.post("/register", data={
        "username": "Taken", "display_name": "Someone", "password": "long-enough-1", "confirm": "long-enough-1"})
    html = _text(response)
    assert response.status_code == 422
    assert "This username is taken." in html
    assert 'value="Taken"' in html and 'value="Someone"' in html
    assert "long-enough-1" not in html  # passwords are never echoed back
    # The error is tied to its input for screen readers.
    assert re.search(r'aria-describedby="[^"]*username-error', html) and 'id="username-error"' in html


def test_register_checks_the_confirmation_and_length(client, db):
    response = client.post("/register", data={"username": "newbie", "password": "short", "confirm": "other"})
    html = _text(response)
    assert response.status_code == 422
    assert "The two passwords differ." in html and 'id="password-error"' in html
    assert db.session.query(User).count() == 0


# --- log in and out --------------------------------------------------------------

def test_login_updates_last_seen_and_logout_needs_post(client, make_user, login, db):
    user = make_user("staff")
    assert user.last_seen_at is None
    response = login(user)
    assert response.headers["Location"] == "/"
    db.session.refresh(user)
    assert user.last_seen_at is not None
    assert client.get("/settings").status_code == 200

    assert client.get("/logout").status_code == 405  # a link or an <img> cannot log anyone out
    assert client.get("/settings").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/settings").status_code == 303


def test_remember_me_sets_a_long_lived_cookie_only_when_asked(app, make_user):
    user = make_user()
    plain, remembered = app.test_client(), app.test_client()
    plain.post("/login", data={"username": user.username, "password": PASSWORD})
    remembered.post("/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    assert plain.get_cookie("remember_token") is None
    cookie = remembered.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None

    # The cookie alone logs the user back in after the session is gone.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value, domain=cookie.domain)
    assert fresh.get("/settings").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user):
    user = make_user()
    wrong = client.post("/login", data={"username": user.username, "password": "not-it-at-all"})
    unknown = client.post("/login", data={"username": "nobody-here", "password": "not-it-at-all"})
    for response, name in ((wrong, user.username), (unknown, "nobody-here")):
        html = _text(response)
        assert response.status_code == 200
        assert GENERIC_LOGIN_ERROR in html and f'value="{name}"' in html
        assert "not-it-at-all" not in html
    assert client.get("/settings").status_code == 303


def test_empty_login_form_is_422_with_field_errors(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert "Enter your username." in _text(response) and "Enter your password." in _text(response)


def test_login_is_rate_limited(client, make_user, login):
    user = make_user()
    for _ in range(10):
        assert client.post("/login", data={"username": user.username, "password": "wrong-password"}
                           ).status_code == 200
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in _text(response) and f'value="{user.username}"' in _text(response)
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/settings").status_code == 303  # even the right password waits
    assert client.get("/login").status_code == 200  # the page itself is not limited


# --- redirects ---------------------------------------------------------------------

def test_login_required_pages_come_back_after_login(client, make_user):
    user = make_user()
    response = client.get("/settings/tokens")
    assert response.status_code == 303 and "/login?next=" in response.headers["Location"]
    login_page = client.get(response.headers["Location"])
    assert 'name="next" type="hidden" value="/settings/tokens"' in _text(login_page)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "next": "/settings/tokens"})
    assert response.headers["Location"] == "/settings/tokens"


@pytest.mark.parametrize("target", [
    "//evil.com", "https://evil.com", "/\\evil.com", "\\\\evil.com", "/\t/evil.com", "http:/evil.com",
    "javascript:alert(1)", "evil.com", "///evil.com",
])
def test_login_refuses_off_site_next(client, make_user, target):
    user = make_user()
    for data in ({"next": target}, {}):  # in the form, or in the query string
        response = client.post("/login" + ("" if data else "?next=" + target),
                               data={"username": user.username, "password": PASSWORD, **data})
        assert response.status_code == 302 and response.headers["Location"] == "/"
        client.post("/logout")


# --- password ------------------------------------------------------------------------

def test_password_change_needs_the_old_one(client, make_user, login, app):
    user = make_user()
    login(user)
    wrong = client.post("/settings/password", data={
        "current_password": "not-my-password", "new_password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert wrong.status_code == 422 and "The current password is wrong." in _text(wrong)
    mismatch = client.post("/settings/password", data={
        "current_password": PASSWORD, "new_password": "brand-new-pass", "confirm": "brand-new-typo"})
    assert mismatch.status_code == 422 and "The two passwords differ." in _text(mismatch)

    ok = client.post("/settings/password", data={
        "current_password": PASSWORD, "new_password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert ok.status_code == 302

    other = app.test_client()
    old = other.post("/login", data={"username": user.username, "password": PASSWORD})
    assert old.status_code == 200 and GENERIC_LOGIN_ERROR in _text(old)
    assert other.post("/login", data={"username": user.username, "password": "brand-new-pass"}).status_code == 302


# --- settings and language -------------------------------------------------------------

def _has_zh_catalog(app) -> bool:
    root = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    return any((root / name / "LC_MESSAGES" / "messages.mo").exists() for name in ("zh_CN", "zh_Hans_CN", "zh"))


def test_language_setting_is_saved_and_applied_on_the_next_page(client, make_user, login, db, token_for):
    user = make_user()
    token_for(user)  # the token list shows a date, formatted in the page's language
    login(user)
    assert "年" not in _text(client.get("/settings/tokens"))
    response = client.post("/settings", data={"display_name": "小王", "locale": "zh_CN"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.locale, user.display_name) == ("zh_CN", "小王")
    assert "年" in _text(client.get("/settings/tokens"))  # e.g. 2025年3月1日

    # Back to "same as my browser": the browser's Accept-Language decides again.
    client.post("/settings", data={"display_name": "小王", "locale": ""})
    db.session.refresh(user)
    assert user.locale is None
    assert "年" not in _text(client.get("/settings/tokens", headers={"Accept-Language": "en-GB"}))


def test_language_setting_changes_the_words_and_html_lang(client, make_user, login, app):
    login(make_user())
    client.post("/settings", data={"display_name": "小王", "locale": "zh_CN"})
    html = _text(client.get("/settings"))
    assert '<html lang="zh-CN">' in html
    if _has_zh_catalog(app):  # once the catalogs ship, the words change too
        with app.test_request_context(), force_locale("zh_CN"):
            translated = gettext("Save settings")
        assert translated != "Save settings" and translated in html


def test_settings_refuse_bad_input_and_keep_it(client, make_user, login):
    login(make_user())
    response = client.post("/settings", data={"display_name": "", "locale": "klingon"})
    assert response.status_code == 422
    html = _text(response)
    assert "Enter a display name." in html and 'id="locale-error"' in html


# --- API tokens ------------------------------------------------------------------------------

def test_token_is_shown_once_works_as_bearer_and_revoking_stops_it(client, make_user, login, app, db):
    user = make_user("staff")
    login(user)
    response = client.post("/settings/tokens", data={"name": "reporting script"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    plaintext = re.search(r'value="(qa_[^"]+)"', _text(response)).group(1)
    listing = _text(client.get("/settings/tokens"))
    assert "reporting script" in listing and plaintext not in listing and plaintext[:10] in listing

    script = app.test_client()  # no session cookie: the token alone must do
    bearer = {"Authorization": f"Bearer {plaintext}"}
    page = script.get("/settings", headers=bearer)
    assert page.status_code == 200 and user.username in _text(page)
    assert script.get("/settings", headers={"Authorization": "Bearer qa_wrong"}).status_code == 303

    token = db.session.query(ApiToken).filter_by(user_id=user.id).one()
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 302
    assert script.get("/settings", headers=bearer).status_code == 303
    assert "Revoked" in _text(client.get("/settings/tokens"))


def test_token_needs_a_name_and_others_cannot_revoke_it(client, make_user, login, token_for, db):
    owner, other = make_user(), make_user()
    token_for(owner)
    token = db.session.query(ApiToken).filter_by(user_id=owner.id).one()
    login(other)
    assert client.post("/settings/tokens", data={"name": ""}).status_code == 422
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


# --- CSRF ----------------------------------------------------------------------------------------

def test_csrf_refuses_login_and_logout_without_token(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    forged = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert forged.status_code == 400
    # The form comes back with what was typed and a fresh token, so the user can just send it again.
    assert "This form was open too long" in _text(forged) and f'value="{user.username}"' in _text(forged)
    assert client.get("/settings").status_code == 303

    token = _csrf(_text(client.get("/login")))
    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302

    assert client.post("/logout").status_code == 400  # a cross-site form cannot log the user out
    assert client.get("/settings").status_code == 200
    token = _csrf(_text(client.get("/settings")))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/settings").status_code == 303


# --- sessions that can be ended (issue 8, section 2) ----------------------------------------------

def _logged_in(app, user, **extra):
    browser = app.test_client()
    response = browser.post("/login", data={"username": user.username, "password": PASSWORD, **extra})
    assert response.status_code == 302
    return browser


def test_logout_elsewhere_refuses_the_old_session_cookie(app, make_user):
    user = make_user()
    laptop, phone = _logged_in(app, user), _logged_in(app, user)
    assert phone.get("/settings").status_code == 200
    assert laptop.post("/logout").status_code == 302
    # The phone never logged out, but its cookie carries the identity logout ended.
    assert phone.get("/settings").status_code == 303
    assert _logged_in(app, user).get("/settings").status_code == 200  # a new login works


def test_copied_session_cookie_is_refused_after_logout(app, make_user):
    user = make_user()
    owner = _logged_in(app, user)
    stolen = owner.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", stolen.value, domain=stolen.domain)
    assert thief.get("/settings").status_code == 200  # a copied cookie works until...
    owner.post("/logout")
    assert thief.get("/settings").status_code == 303  # ...its owner logs out


def test_remember_cookie_is_refused_after_a_password_change(app, make_user):
    user = make_user()
    remembered = _logged_in(app, user, remember="y").get_cookie("remember_token")
    changer = _logged_in(app, user, remember="y")
    response = changer.post("/settings/password", data={
        "current_password": PASSWORD, "new_password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302

    old = app.test_client()
    old.set_cookie("remember_token", remembered.value, domain=remembered.domain)
    assert old.get("/settings").status_code == 303
    # The browser that changed the password stays logged in, with a new remember-me cookie.
    assert changer.get("/settings").status_code == 200
    renewed = changer.get_cookie("remember_token")
    assert renewed is not None and renewed.value != remembered.value
    again = app.test_client()
    again.set_cookie("remember_token", renewed.value, domain=renewed.domain)
    assert again.get("/settings").status_code == 200


def test_remember_me_lasts_thirty_days_and_differs_per_login(app, make_user):
    user = make_user()
    first = _logged_in(app, user, remember="y").get_cookie("remember_token")
    assert first.max_age is None or first.max_age <= 30 * 86400
    assert first.expires.timestamp() - time.time() <= 30 * 86400 + 60
    time.sleep(1.1)  # identities carry their issue time in seconds
    second = _logged_in(app, user, remember="y").get_cookie("remember_token")
    assert second.value != first.value


def test_logins_older_than_the_remember_duration_are_refused(app, make_user):
    """The server checks the age itself: a cookie a browser (or a thief) kept past its expiry
    does not log anyone in."""
    user = make_user()
    month = app.config["REMEMBER_COOKIE_DURATION"].total_seconds()
    for age, expected in ((month - 3600, 200), (month + 3600, 303)):
        browser = app.test_client()
        with browser.session_transaction() as sess:
            sess["_user_id"] = f"{user.get_id()}:{int(time.time() - age)}"
        assert browser.get("/settings").status_code == expected, age
        cookie = app.test_client()
        cookie.set_cookie("remember_token", encode_cookie(f"{user.get_id()}:{int(time.time() - age)}"),
                          domain="localhost")
        assert cookie.get("/settings").status_code == expected, age


def test_identities_from_before_session_versions_are_refused(app, make_user):
    """Sessions and remember-me cookies that hold only the user id (made before the upgrade)
    log nobody in; the stale remember cookie is deleted."""
    user = make_user()
    browser = app.test_client()
    with browser.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
    assert browser.get("/settings").status_code == 303
    old = app.test_client()
    old.set_cookie("remember_token", encode_cookie(str(user.id)), domain="localhost")
    response = old.get("/settings")
    assert response.status_code == 303
    assert any(h.startswith("remember_token=;") for h in response.headers.getlist("Set-Cookie"))


def test_password_change_can_also_revoke_the_api_tokens(app, make_user, token_for, db):
    user = make_user()
    bearer = token_for(user)
    browser = _logged_in(app, user)
    browser.post("/settings/password", data={
        "current_password": PASSWORD, "new_password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert app.test_client().get("/settings", headers=bearer).status_code == 200  # off by default

    revoked = []
    with signals.token_revoked.connected_to(lambda row, by: revoked.append((row.user_id, by.id))):
        response = browser.post("/settings/password", data={
            "current_password": "brand-new-pass", "new_password": "newer-pass-22", "confirm": "newer-pass-22",
            "revoke_tokens": "y"})
    assert response.status_code == 302
    assert app.test_client().get("/settings", headers=bearer).status_code == 303
    assert revoked == [(user.id, user.id)]
    assert db.session.query(ApiToken).filter(ApiToken.revoked_at.is_(None)).count() == 0
    assert browser.get("/settings").status_code == 200


def test_ending_sessions_sends_sessions_ended(app, make_user):
    user = make_user()
    ended = []
    with signals.sessions_ended.connected_to(lambda sender, by: ended.append((sender.id, by.id if by else None))):
        browser = _logged_in(app, user)
        browser.post("/settings/password", data={
            "current_password": PASSWORD, "new_password": "brand-new-pass", "confirm": "brand-new-pass"})
        browser.post("/logout")
    assert ended == [(user.id, user.id), (user.id, user.id)]
