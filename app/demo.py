"""Demo data for ``make run``, written by this project in Chinese and English.

It goes through the real services, so every invariant (revisions, counts, signals) holds
exactly as for content that users create, notifications included: askers hear of answers,
answerers of acceptances, a comment mentions an expert, and the one open question is routed
(after the seed commits) to experts who did not answer it, and escalates if nobody does.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import services as accounts
from app.accounts.models import User
from app.forum import services as forum
from app.forum.services.common import resolve_tags
from app.kb.demo import seed_kb_demo
from app.markup import normalize_tag

DEMO_PASSWORD = "demo12345"

_PEOPLE = [
    # username, display name, role, teams
    ("li.na", "李娜", "staff", ["cards"]),
    ("wang.wei", "王伟", "expert", ["cards"]),
    ("chen.jing", "陈静", "expert", ["loans"]),
    ("sam.taylor", "Sam Taylor", "staff", ["loans"]),
    ("priya.k", "Priya Kumar", "moderator", []),
    ("zhou.customer", "周先生", "customer", []),
]

# (asker, title, body, tags, visibility, team, [(answerer, body, accepted, votes from)], [(commenter, text)])
_THREADS = [
    ("li.na", "客户信用卡丢失后如何办理挂失？",
     "客户来电说信用卡在地铁上丢了，担心被盗刷。坐席应该按什么顺序处理？是否需要先冻结卡片再补办？",
     ["信用卡", "挂失"], "internal", None,
     [("wang.wei", "先在核心系统做**临时挂失**（立即生效），再核实身份做正式挂失并补卡。\n\n"
       "1. 核实身份：姓名、证件号后四位、预留手机号\n2. 临时挂失后告知客户 24 小时内的交易可申请争议\n"
       "3. 补卡费用按卡种收费表执行", True, ["li.na", "sam.taylor"])], []),
    ("sam.taylor", "Can a customer raise the credit limit over the phone?",
     "A caller wants a temporary limit increase for a trip abroad. Can we do that by phone or must "
     "they use the app?", ["credit-card", "limits"], "public", None,
     [("wang.wei", "Temporary increases up to 50% can be done by phone after full identity "
       "verification. Permanent increases need the app or a branch, because they trigger a credit check.",
       True, ["sam.taylor", "li.na"]),
      ("li.na", "Also remind them that the temporary limit expires automatically after 30 days.", False,
       ["sam.taylor"])], []),
    ("sam.taylor", "Early repayment fee for a personal loan",
     "How do we calculate the early repayment fee when a customer repays a personal loan after 14 months?",
     ["loans", "fees"], "team", "loans",
     [("chen.jing", "The fee is 1% of the repaid principal if more than 12 months remain on the term, "
       "otherwise 0.5%. Use the loan calculator in the servicing screen; it shows the exact figure.", False,
       ["sam.taylor"])],
     [("sam.taylor", "@chen.jing What if exactly 12 months remain: 1% or 0.5%?")]),
    ("zhou.customer", "网银登录时提示“证书过期”怎么办？",
     "我用电脑登录网上银行时一直提示证书过期，手机银行可以正常使用，请问怎么更新证书？",
     ["网银", "证书"], "public", None, [], []),
    ("li.na", "How do I explain a foreign transaction fee to an upset customer?",
     "The customer was charged a 1.5% fee on a purchase in euros and says nobody told them. "
     "What wording works, and can we refund it as a goodwill gesture?",
     ["credit-card", "fees"], "internal", None,
     [("priya.k", "Acknowledge first, then point to the fee table in the card agreement. A one-time "
       "goodwill refund is allowed under 200 yuan; log it with the reason code GW-01.", True, ["li.na"])], []),
]


def seed_demo(session: Session, admin_password: str) -> bool:
    """Seed when there are no users; returns False (and changes nothing) otherwise."""
    if session.scalar(select(func.count(User.id))):
        return False
    admin = accounts.create_user(session, "admin", admin_password, role="admin", display_name="Admin")
    accounts.create_team(session, "Cards 信用卡", slug="cards")
    accounts.create_team(session, "Loans 贷款", slug="loans")
    people = {"admin": admin}
    for username, name, role, teams in _PEOPLE:
        people[username] = accounts.create_user(session, username, DEMO_PASSWORD, role=role,
                                                display_name=name, teams=teams)
    for asker, title, body, tags, visibility, team, answers, comments in _THREADS:
        # Staff create tags on first use; customers may only reuse existing ones.
        resolve_tags(session, [normalize_tag(t) for t in tags], admin)
        question = forum.ask_question(session, title=title, body=body, tags=tags, by=people[asker],
                                      visibility=visibility, team=team)
        for answerer, text, accepted, voters in answers:
            answer = forum.post_answer(session, question, body=text, by=people[answerer])
            for voter in voters:
                forum.set_vote(session, answer, 1, by=people[voter])
            if accepted:
                forum.accept_answer(session, answer, by=people[asker])
        for commenter, text in comments:
            forum.post_comment(session, question, body=text, by=people[commenter])
    seed_kb_demo(session)
    return True
