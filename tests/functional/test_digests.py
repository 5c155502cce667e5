"""Digest mails: gathered per user and period, in the user's language, through the mail port
(the outbox folder here), each kind with its own signed unsubscribe link, never twice."""
from __future__ import annotations

import email
from datetime import datetime, timedelta

import pytest
from factories import answer, ask, comment
from live_support import notes

from app.db import utcnow
from app.extensions import db
from app.notifications import digests, preferences


@pytest.fixture
def outbox(app, tmp_path):
    app.config.update(MAIL_BACKEND="outbox", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
                      MAIL_BASE_URL="http://forum.test")
    return tmp_path / "outbox"


def mails(outbox) -> list[email.message.Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))] if outbox.exists() else []


def body(msg, kind: str = "plain") -> str:
    for part in msg.walk():
        if part.get_content_type() == f"text/{kind}":
            return part.get_payload(decode=True).decode()
    return ""


def daily_user(make_user, locale=None):
    person = make_user("staff")
    person.email = f"{person.username}@bank.test"
    person.locale = locale
    preferences.save_preferences(db.session, person, frequencies={"answer": "daily", "comment": "daily"},
                                 timezone_name="Asia/Shanghai", by=person)
    db.session.commit()
    return person


def test_one_daily_digest_per_period_in_the_users_language(app, make_user, outbox):
    asker = daily_user(make_user, locale="zh_CN")
    expert = make_user("expert", points=50)  # comments on the question: a privilege by points
    question = ask(asker, title="客户的信用卡被吞了怎么办？")
    answer(question, expert)
    comment(question, expert, body="Please check the ATM number first.")
    assert [n.delivery for n in notes(asker, exclude=("routed",))] == ["daily", "daily"]
    assert digests.digest_job(db.session) == 0  # today's items wait for the day to end
    db.session.commit()
    tomorrow = utcnow() + timedelta(days=1)
    assert digests.digest_job(db.session, now=tomorrow) == 1
    db.session.commit()
    sent = mails(outbox)
    assert len(sent) == 1 and sent[0]["To"] == asker.email
    text = body(sent[0])
    assert "每日摘要" in str(email.header.make_header(email.header.decode_header(sent[0]["Subject"])))
    assert "客户的信用卡被吞了怎么办" in text and "http://forum.test/questions/" in text
    assert text.count("/notifications/unsubscribe/") == 2  # one link per kind
    assert sent[0]["List-Unsubscribe"].startswith("<http://forum.test/notifications/unsubscribe/")
    assert all(n.mailed_at is not None for n in notes(asker, exclude=("routed",)))
    # The same period again (another scheduler, a retry): nothing more.
    assert digests.digest_job(db.session, now=tomorrow + timedelta(minutes=5)) == 0
    db.session.commit()
    assert len(mails(outbox)) == 1


def test_the_period_is_the_users_local_day_and_quiet_hours_wait(app, make_user, outbox):
    person = daily_user(make_user)
    prefs = preferences.preferences(db.session, person.id)
    # 2026-03-01 23:30 in Shanghai is 15:30 UTC: still the 1st there, nothing is due.
    key, cutoff = digests.due_period("daily", prefs, datetime(2026, 3, 1, 16, 30))
    assert key == "daily:2026-03-01" and cutoff == datetime(2026, 3, 1, 16, 0)
    prefs.quiet_start, prefs.quiet_end = 0, 8 * 60  # midnight to 08:00 local
    assert digests.due_period("daily", prefs, datetime(2026, 3, 1, 17, 0)) is None  # 01:00 local
    weekly = digests.due_period("weekly", preferences.preferences(db.session, person.id), datetime(2026, 3, 4, 3))
    assert weekly[0] == "weekly:2026-W09"


def test_unsubscribe_links_are_signed_per_user_and_kind(app, client, make_user, outbox):
    person = daily_user(make_user)
    token = digests.unsubscribe_token(person.id, "answer")
    page = client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop these mails" in page.get_data(as_text=True)
    assert preferences.preferences(db.session, person.id).frequencies["answer"] == "daily"  # a GET changes nothing
    done = client.post(f"/notifications/unsubscribe/{token}")  # one-click, no session, no CSRF token
    assert done.status_code == 200
    db.session.expire_all()
    prefs = preferences.preferences(db.session, person.id)
    assert prefs.frequencies["answer"] == "instant" and prefs.frequencies["comment"] == "daily"
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/notifications/unsubscribe/{forged}").status_code == 404
    assert client.post(f"/notifications/unsubscribe/{forged}").status_code == 404


def test_no_address_no_mail_and_items_are_not_gathered_again(app, make_user, outbox):
    person = daily_user(make_user)
    person.email = None
    db.session.commit()
    answer(ask(person), make_user("expert"))
    assert digests.digest_job(db.session, now=utcnow() + timedelta(days=1)) == 0
    db.session.commit()
    assert mails(outbox) == [] and all(n.mailed_at for n in notes(person, "answer"))
