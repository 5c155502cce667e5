"""Badges awarded from forum and knowledge-base signals: once, inside the action's
transaction, safe under concurrency, notified, and backfilled idempotently."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from factories import accept, answer, ask, history
from sqlalchemy import func, select
from test_kb_helpers import kb, publish_article  # noqa: F401  (fixture)

from app.accounts.models import User
from app.db import frozen_clock, intent, utcnow
from app.experts.models import RoutingCandidate, RoutingDecision
from app.forum.models import Tag
from app.kb.models import ArticleFeedback
from app.kb.services import record_feedback
from app.notifications.models import Notification
from app.points import badge_handlers, badges
from app.points.badge_awards import evaluate, insert_if_absent
from app.points.badge_models import BadgeAward


def held(db, user) -> list[tuple[str, str | None]]:
    db.session.expire_all()
    rows = db.session.execute(select(BadgeAward.badge, Tag.name).outerjoin(Tag, Tag.id == BadgeAward.tag_id)
                              .where(BadgeAward.user_id == user.id).order_by(BadgeAward.badge, Tag.name))
    return [tuple(r) for r in rows]


def badge_notes(db, user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                               Notification.kind == "badge")))


@pytest.fixture
def quiet_badges():
    """The forum without badge receivers, for content that must exist before awarding runs."""
    badge_handlers.disconnect_handlers()
    yield
    badge_handlers.connect_handlers()


def test_first_answer_is_awarded_once_and_notified(app, db, make_user):
    app.config["EXPERTS_NOTIFY"] = 0  # not routed: a routed expert answering fast earns a second badge
    asker, expert = make_user("staff"), make_user("expert")
    question = ask(asker)
    answer(question, expert)
    answer(ask(asker), expert)
    assert held(db, expert) == [("first_answer", None)]
    assert held(db, asker) == []  # asking earns no answer badge
    notes = badge_notes(db, expert)
    award = db.session.scalar(select(BadgeAward).where(BadgeAward.user_id == expert.id))
    assert len(notes) == 1 and (notes[0].subject_type, notes[0].subject_id) == ("badge", award.id)
    assert notes[0].payload["badge"] == "first_answer"


def test_the_award_rolls_back_with_the_answer(db, make_user):
    from app.forum import services

    question = ask(make_user("staff"))
    expert = make_user("expert")
    services.post_answer(db.session, question, body="An answer that will be rolled back.", by=expert)
    db.session.rollback()
    assert held(db, expert) == [] and badge_notes(db, expert) == []


def test_first_accepted_needs_someone_elses_question(db, make_user):
    asker, expert = make_user("staff"), make_user("expert")
    own = ask(expert)
    accept(answer(own, expert))  # self-accept: nothing, as in the points rules
    assert ("first_accepted", None) not in held(db, expert)
    accept(answer(ask(asker), expert))
    assert ("first_accepted", None) in held(db, expert)


def test_tag_badge_once_per_tag_at_ten_accepted_answers(db, make_user):
    asker, expert = make_user("staff"), make_user("expert")
    history(expert, asker, tags=("cards",), n=9)
    history(expert, asker, tags=("loans",), n=9)
    assert [b for b in held(db, expert) if b[0] == "tag_accepted_10"] == []
    history(expert, asker, tags=("cards", "fees"), n=1)
    assert [b for b in held(db, expert) if b[0] == "tag_accepted_10"] == [("tag_accepted_10", "cards")]
    history(expert, asker, tags=("cards",), n=2)  # more in the same tag: still one award
    history(expert, asker, tags=("loans",), n=1)
    assert [b for b in held(db, expert) if b[0] == "tag_accepted_10"] == [
        ("tag_accepted_10", "cards"), ("tag_accepted_10", "loans")]
    notes = badge_notes(db, expert)
    assert sorted(n.payload.get("tag") or "" for n in notes if n.payload["badge"] == "tag_accepted_10") == [
        "cards", "loans"]


def test_five_consecutive_utc_days(db, make_user):
    user, other = make_user("staff"), make_user("expert")
    start = datetime(2026, 3, 1, 23, 30)
    for day in (0, 1, 2, 4):  # a gap on day 3
        with frozen_clock(start + timedelta(days=day)):
            ask(user)
    assert ("streak_5", None) not in held(db, user)
    with frozen_clock(start + timedelta(days=3, minutes=40)):  # 00:10 on day 4: still day 4's date
        answer(ask(other), user)
    assert ("streak_5", None) not in held(db, user)
    with frozen_clock(start + timedelta(days=3)):  # fills the gap: 5 days in a row
        ask(user)
    assert ("streak_5", None) in held(db, user)


def _routed(db, question, user, minutes_ago: int) -> None:
    decision = db.session.scalar(select(RoutingDecision).where(RoutingDecision.question_id == question.id))
    if decision is None:
        decision = RoutingDecision(question_id=question.id)
        db.session.add(decision)
        db.session.flush()
    candidate = db.session.scalar(select(RoutingCandidate).where(RoutingCandidate.decision_id == decision.id,
                                                                 RoutingCandidate.user_id == user.id))
    if candidate is None:
        candidate = RoutingCandidate(decision_id=decision.id, user_id=user.id, rank=1, score=1.0)
        db.session.add(candidate)
    candidate.notified_at = utcnow() - timedelta(minutes=minutes_ago)
    db.session.commit()


def test_answering_a_routed_question_within_an_hour(app, db, make_user):
    app.config["EXPERTS_NOTIFY"] = 0
    asker, slow, fast, bystander = (make_user(r) for r in ("staff", "expert", "expert", "expert"))
    late = ask(asker)
    _routed(db, late, slow, 90)
    answer(late, slow)
    assert ("fast_routed", None) not in held(db, slow)
    quick = ask(asker)
    _routed(db, quick, fast, 30)
    answer(quick, fast)
    answer(quick, bystander)  # not routed to them: nothing
    assert ("fast_routed", None) in held(db, fast)
    assert ("fast_routed", None) not in held(db, bystander)


def test_hundred_helpful_votes_on_credited_articles(db, kb):  # noqa: F811
    article = publish_article(kb, "How to block a lost card")
    today = utcnow().date()
    db.session.add_all(ArticleFeedback(article_id=article.id, visitor_key=f"v{i}", day=today, helpful=True)
                       for i in range(98))
    db.session.add(ArticleFeedback(article_id=article.id, visitor_key="no", day=today, helpful=False))
    db.session.commit()
    record_feedback(db.session, article, helpful=True, by=kb.staff)  # the 99th helpful vote
    db.session.commit()
    assert ("helpful_100", None) not in held(db, kb.expert)
    record_feedback(db.session, article, helpful=True, by=kb.customer)
    db.session.commit()
    assert ("helpful_100", None) in held(db, kb.expert)  # the answerer is credited


def test_insert_if_absent_refuses_a_duplicate(db, make_user, quiet_badges):
    user = make_user("expert")
    first = insert_if_absent(db.session, user.id, "first_answer", None)
    assert first is not None and first.tag_key == 0
    assert insert_if_absent(db.session, user.id, "first_answer", None) is None
    db.session.commit()
    assert db.session.scalar(select(func.count(BadgeAward.id))) == 1


def test_concurrent_evaluations_award_once_and_notify_once(app, db, make_user, quiet_badges):
    expert = make_user("expert")
    answer(ask(make_user("staff")), expert)  # earned, not awarded: the receivers are off
    assert held(db, expert) == []
    badge_handlers.connect_handlers()
    user_id, errors, made = expert.id, [], []
    barrier = threading.Barrier(8)

    def run():
        try:
            barrier.wait(timeout=30)  # before any query: a thread in a write transaction holds SQLite's lock
            with app.app_context(), intent(True):
                user = db.session.get(User, user_id)
                made.extend(a.id for a in evaluate(db.session, user, [badges.FIRST_ANSWER]))
                db.session.commit()
        except Exception as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()
    assert len(made) == 1 and held(db, expert) == [("first_answer", None)]
    assert len(badge_notes(db, expert)) == 1


def test_backfill_command_is_idempotent(app, db, make_user, quiet_badges):
    app.config["EXPERTS_NOTIFY"] = 0
    asker, expert = make_user("staff"), make_user("expert")
    history(expert, asker, tags=("cards",), n=10)
    assert held(db, expert) == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["points", "award-badges"])
    assert result.exit_code == 0, result.output
    assert "3 badge(s) awarded" in result.output
    assert held(db, expert) == [("first_accepted", None), ("first_answer", None), ("tag_accepted_10", "cards")]
    again = runner.invoke(args=["points", "award-badges"])
    assert again.exit_code == 0 and "0 badge(s) awarded" in again.output
    assert db.session.scalar(select(func.count(BadgeAward.id))) == 3
    assert len(badge_notes(db, expert)) == 3
