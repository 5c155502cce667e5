"""Knowledge-base demo content for ``make run`` (written by this project, in Chinese and
English): a small tree of categories, articles promoted from the demo's accepted answers and
one written from scratch, published, with votes, a flag and a reuse link. Through the real
services, so counts, logs and signals are as for content users create."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Team, User
from app.forum.models import Answer, Question
from app.kb.services import (Changes, create_article, create_category, flag_article, link_article, promote_answers,
                             publish, record_feedback, save_article)

# name, parent name, owner team slug, default audience, review days
_TREE = [
    ("信用卡 Cards", None, "cards", "internal", 180),
    ("挂失与补卡 Lost and stolen cards", "信用卡 Cards", "cards", "internal", 90),
    ("额度与费用 Limits and fees", "信用卡 Cards", "cards", "public", 180),
    ("贷款 Loans", None, "loans", "team", 180),
    ("网上银行 Online banking", None, None, "public", 365),
    ("投诉处理 Complaints", None, None, "internal", 180),
]
_CERTIFICATE = """1. 打开网银登录页，点击“证书管理”。
2. 选择“证书更新”，按提示插入 U 盾并输入 U 盾密码。
3. 更新完成后重新启动浏览器再登录。

If the customer has no U-key, they can switch to SMS verification in the mobile app."""


def _user(session: Session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def _question(session: Session, title: str) -> Question:
    return session.scalar(select(Question).where(Question.title == title))


def seed_kb_demo(session: Session) -> None:
    """Seed the knowledge base (called by app.demo.seed_demo after the forum's threads)."""
    admin, priya = _user(session, "admin"), _user(session, "priya.k")
    teams = {t.slug: t.id for t in session.scalars(select(Team))}
    ids: dict[str, int] = {}
    for name, parent, team, audience, days in _TREE:
        ids[name] = create_category(session, {"name": name, "parent_id": ids.get(parent),
                                              "owner_team_id": teams.get(team), "default_audience": audience,
                                              "review_days": days}, by=admin).id

    def promote_and_publish(title: str, categories: list[str], by: User, **extra):
        question = _question(session, title)
        article = promote_answers(session, session.get(Answer, question.accepted_answer_id), by=by)
        save_article(session, article, Changes(categories=[ids[c] for c in categories], **extra), by=by)
        return publish(session, article, by=by)

    lost = promote_and_publish("客户信用卡丢失后如何办理挂失？", ["挂失与补卡 Lost and stolen cards", "信用卡 Cards"], priya,
                               sections={"environment": "信用卡、借记卡；电话银行与柜台", "cause": ""})
    limit = promote_and_publish("Can a customer raise the credit limit over the phone?",
                                ["额度与费用 Limits and fees", "信用卡 Cards"], priya,
                                sections={"environment": "Credit cards; phone banking after full verification."})
    fee = promote_and_publish("How do I explain a foreign transaction fee to an upset customer?",
                              ["额度与费用 Limits and fees", "投诉处理 Complaints"], admin)
    certificate = create_article(session, Changes(
        title="网银提示“证书过期”如何更新证书", sections={
            "issue": "客户登录网上银行时提示“证书过期”，手机银行可以正常使用。",
            "environment": "个人网银（电脑端），U 盾证书", "resolution": _CERTIFICATE,
            "cause": "U 盾证书有效期为两年，到期后必须在线更新。"},
        categories=[ids["网上银行 Online banking"]], tags="网银 证书", audience="public"), by=priya, action="publish")
    customer, staff = _user(session, "zhou.customer"), _user(session, "sam.taylor")
    link_article(session, _question(session, "网银登录时提示“证书过期”怎么办？"), certificate, by=_user(session, "li.na"))
    for reader, helpful in ((customer, True), (staff, True), (_user(session, "li.na"), True)):
        record_feedback(session, certificate, helpful=helpful, by=reader)
    record_feedback(session, limit, helpful=True, by=customer)
    record_feedback(session, lost, helpful=True, by=staff)
    flag_article(session, fee, reason="outdated", comment="The goodwill limit changed to 300 yuan in March.",
                 by=_user(session, "li.na"))
