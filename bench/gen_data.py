"""Generate a forum of N questions (default 100,000) for benchmarks, fast.

    .venv/bin/python bench/gen_data.py --url sqlite:///bench/out/gen.db --questions 100000 --reset

The schema comes from the real migrations (``flask db upgrade``); rows go in through SQLAlchemy
Core bulk inserts with explicit ids, in chunks. The text is written for this project, mixed
Chinese and English, about the questions a bank's contact centre gets; visibility is a mix of
public, internal and team. Prints the time each step took. Deterministic for a given --seed.
"""
from __future__ import annotations

import argparse
import html
import os
import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, create_engine, event, func, select, text, update  # noqa: E402

# --- the text ------------------------------------------------------------------------------------
PRODUCTS = [
    ("信用卡", "credit card"), ("借记卡", "debit card"), ("房贷", "mortgage"), ("个人贷款", "personal loan"),
    ("网银", "online banking"), ("手机银行", "mobile app"), ("跨境汇款", "international transfer"),
    ("定期存款", "term deposit"), ("理财产品", "wealth product"), ("外汇", "foreign exchange"),
    ("支票", "cheque"), ("账单分期", "instalment plan"), ("积分", "reward points"), ("保险", "insurance"),
    ("对公账户", "business account"), ("ATM", "ATM"), ("U盾", "security token"), ("短信验证码", "SMS code"),
]
PROBLEMS_ZH = [
    "被锁定了", "扣款两次", "无法登录", "额度不够", "提示风险交易", "到账延迟", "密码忘记了", "被冻结",
    "年费争议", "收到陌生短信", "境外消费失败", "还款没有入账", "利率调整", "地址变更", "挂失后补办",
    "证件过期", "自动扣款失败", "需要开具证明",
]
PROBLEMS_EN = [
    "is blocked", "was charged twice", "cannot log in", "hit its limit", "shows a fraud warning",
    "transfer is delayed", "PIN was forgotten", "is frozen", "annual fee is disputed", "got a phishing SMS",
    "fails abroad", "repayment not posted", "rate changed", "needs an address change",
    "replacement after loss", "ID document expired", "direct debit failed", "needs a statement letter",
]
ASK_ZH = ["客户的{p}{x},怎么处理?", "{p}{x}时应该走哪个流程?", "为什么客户的{p}{x}?", "{p}{x},需要哪些材料?",
          "{p}{x}:柜台和电话渠道的处理方式一样吗?"]
ASK_EN = ["How do I help when a customer's {p} {x}?", "What is the process when the {p} {x}?",
          "Customer says their {p} {x} - what now?", "{p} {x}: which team owns this?",
          "Can frontline staff fix a {p} that {x}?"]
ASK_MIX = ["{pz} ({p}) {x} - 客户很着急", "关于 {p}:{xz},有 SOP 吗?", "{pz}{xz} / {p} {x}"]
SENT_ZH = [
    "客户今天上午来电,说明了情况。", "系统里显示的状态和客户说的不一致。", "我们已经核实了客户身份。",
    "这个问题上周也遇到过,但当时没有记录处理办法。", "客户希望今天之内解决。", "按照现有政策没有找到答案。",
    "请有经验的同事帮忙看一下。", "如果需要转交后台,应该填写哪张工单?", "客户在国外,只能通过电话联系。",
    "柜台同事说需要主管审批。", "是否可以先临时提高额度?", "这种情况会不会影响客户的征信记录?",
]
SENT_EN = [
    "The customer called this morning and explained the situation.",
    "The status in the core system does not match what the customer describes.",
    "Identity was verified with the usual three questions.",
    "We saw the same case last week but nobody wrote down the fix.",
    "They need this sorted out today.", "The policy pages do not cover this case.",
    "Could someone who has handled this before take a look?",
    "If it must go to the back office, which ticket form is right?",
    "The customer is travelling and can only be reached by phone.",
    "The branch says a supervisor has to approve it.",
    "Is a temporary limit increase allowed here?", "Will this affect the customer's credit file?",
]
ANSWER_ZH = [
    "先在核心系统里查看{p}的状态,再按照流程操作。", "这种情况需要提交后台工单,处理时间一般是两个工作日。",
    "可以直接在客服系统中解除,但需要二次验证。", "请让客户通过手机银行上传证件,审核后会自动恢复。",
    "注意:如果涉及可疑交易,必须先转给反欺诈团队。", "主管审批后可以临时调整,记得在备注里写明原因。",
]
ANSWER_EN = [
    "Check the {p} status in the core system first, then follow the standard procedure.",
    "This needs a back-office ticket; turnaround is usually two working days.",
    "You can clear it in the service console, but only after step-up verification.",
    "Ask the customer to upload the document in the app; it is restored automatically after review.",
    "Careful: if a suspicious transaction is involved, hand it to the fraud team first.",
    "A supervisor can approve a temporary change; record the reason in the notes.",
]
COMMENTS = ["谢谢,已经解决了。", "Thanks, that worked.", "这个流程最近改过吗?", "Is this still current?",
            "补充:周末要走另一条线。", "Note: weekends go through a different queue.", "+1,同样的问题。",
            "Could you link the policy page?"]
TAGS = [
    "信用卡", "借记卡", "房贷", "贷款", "网银", "手机银行", "汇款", "存款", "理财", "外汇", "反欺诈", "挂失",
    "密码", "额度", "年费", "账单", "积分", "保险", "对公", "开户", "销户", "证明", "征信", "投诉",
    "cards", "debit", "mortgage", "loans", "online-banking", "mobile-app", "transfers", "deposits", "wealth",
    "fx", "fraud", "lost-card", "pin", "limits", "fees", "statements", "rewards", "insurance", "business",
    "onboarding", "closure", "letters", "credit-file", "complaints", "kyc", "aml", "atm", "sms", "token",
    "direct-debit", "chargeback", "travel", "address-change", "power-of-attorney", "bereavement",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英"]
FIRST_EN = ["Alex", "Sam", "Jordan", "Taylor", "Chris", "Morgan", "Jamie", "Robin", "Casey", "Lee", "Dana", "Kim"]
LAST_EN = ["Smith", "Chan", "Wong", "Lee", "Brown", "Ng", "Taylor", "Lam", "Cheung", "Davis", "Ho", "Martin"]
TEAMS = [("cards", "Cards 信用卡"), ("loans", "Loans 贷款"), ("mortgages", "Mortgages 房贷"),
         ("wealth", "Wealth 理财"), ("fraud", "Fraud 反欺诈"), ("business", "Business 对公")]
ROLES = [("customer", 50), ("staff", 30), ("expert", 15), ("moderator", 4), ("admin", 1)]
BENCH_PASSWORD = "bench-password-1"


def _title(rng: random.Random) -> str:
    i = rng.randrange(len(PRODUCTS))
    pz, pe = PRODUCTS[i]
    j = rng.randrange(len(PROBLEMS_ZH))
    kind = rng.random()
    if kind < 0.4:
        return rng.choice(ASK_ZH).format(p=pz, x=PROBLEMS_ZH[j])
    if kind < 0.8:
        t = rng.choice(ASK_EN).format(p=pe, x=PROBLEMS_EN[j])
        return t[0].upper() + t[1:]
    return rng.choice(ASK_MIX).format(p=pe, pz=pz, x=PROBLEMS_EN[j], xz=PROBLEMS_ZH[j])


def _paragraphs(rng: random.Random, pools, n: int, p: str) -> list[str]:
    out = []
    for _ in range(n):
        pool = rng.choice(pools)
        out.append(" ".join(rng.choice(pool).format(p=p) for _ in range(rng.randint(2, 4))))
    return out


def _body(rng: random.Random, kind: str) -> tuple[str, str]:
    """Markdown source and its (already safe) HTML."""
    pz, pe = rng.choice(PRODUCTS)
    if kind == "q":
        paras = _paragraphs(rng, (SENT_ZH, SENT_EN), rng.randint(1, 3), pz)
    else:
        paras = _paragraphs(rng, (ANSWER_ZH, ANSWER_EN), rng.randint(1, 3), rng.choice((pz, pe)))
    md = "\n\n".join(paras)
    out = "".join(f"<p>{html.escape(s)}</p>\n" for s in paras)
    if rng.random() < 0.25:
        steps = [rng.choice(ANSWER_EN).format(p=pe) for _ in range(3)]
        md += "\n\n" + "\n".join(f"{k}. {s}" for k, s in enumerate(steps, 1))
        out += "<ol>\n" + "".join(f"<li>{html.escape(s)}</li>\n" for s in steps) + "</ol>\n"
    return md, out


def _slugify(text_: str) -> str:
    from app.markup import slugify
    return slugify(text_)


# --- the database ----------------------------------------------------------------------------------
class Timer:
    def __init__(self):
        self.start = self.last = time.perf_counter()

    def step(self, label: str, rows: int | None = None) -> None:
        now = time.perf_counter()
        took = now - self.last
        rate = f"  ({rows / took:,.0f} rows/s)" if rows and took > 0 else ""
        print(f"  {label:<34} {took:7.2f}s{rate}", flush=True)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.start


def prepare_schema(url: str, reset: bool) -> None:
    """Run the migrations (the real schema); with reset, drop everything first."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from config import Config

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if reset:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            existing = conn.scalar(text("SELECT count(*) FROM questions"))
        db.engine.dispose()
    if existing:
        raise SystemExit(f"{url} already has {existing} questions; pass --reset to start from empty.")


def generate(url: str, n_questions: int, seed: int, reset: bool, chunk: int = 5000) -> dict:
    from app import models  # noqa: F401  (all tables on the metadata)
    from app.db import Base

    t = Timer()
    print(f"gen_data: {n_questions:,} questions into {url}", flush=True)
    prepare_schema(url, reset)
    t.step("schema (migrations)")

    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _fast(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-200000")
            cur.close()
    tables = Base.metadata.tables
    T = {name: tables[name] for name in ("teams", "users", "team_memberships", "tags", "questions",
                                         "question_tags", "answers", "comments", "revisions")}
    rng = random.Random(seed)
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    start = now - timedelta(days=3 * 365)
    counts: Counter = Counter()

    from werkzeug.security import generate_password_hash
    password_hash = generate_password_hash(BENCH_PASSWORD)

    with engine.begin() as conn:
        conn.execute(T["teams"].insert(), [{"id": i, "slug": s, "name": n, "created_at": start}
                                           for i, (s, n) in enumerate(TEAMS, 1)])
        n_users = max(200, n_questions // 20)
        role_pool = [r for r, w in ROLES for _ in range(w)]
        users, memberships = [], []
        for uid in range(1, n_users + 1):
            role = "admin" if uid == 1 else role_pool[uid % len(role_pool)]
            if rng.random() < 0.5:
                display = rng.choice(SURNAMES) + rng.choice(GIVEN)
            else:
                display = f"{rng.choice(FIRST_EN)} {rng.choice(LAST_EN)}"
            users.append({"id": uid, "username": "bench_admin" if uid == 1 else f"user{uid:06d}",
                          "display_name": display, "email": None, "password_hash": password_hash, "role": role,
                          "locale": rng.choice(("zh_CN", "en", None)), "about_html": "", "points": 0,
                          "is_active": True, "created_at": start + timedelta(minutes=uid)})
            if role != "customer":
                for team_id in rng.sample(range(1, len(TEAMS) + 1), rng.choice((0, 1, 1, 2))):
                    memberships.append({"user_id": uid, "team_id": team_id, "is_team_admin": False,
                                        "created_at": start})
        conn.execute(T["users"].insert(), users)
        if memberships:
            conn.execute(T["team_memberships"].insert(), memberships)
        conn.execute(T["tags"].insert(), [{"id": i, "name": name, "description": "", "question_count": 0,
                                          "created_at": start, "created_by_id": 1}
                                         for i, name in enumerate(TAGS, 1)])
        counts.update(teams=len(TEAMS), users=n_users, team_memberships=len(memberships), tags=len(TAGS))
    t.step("teams, users, tags", n_users)

    staff_ids = [u["id"] for u in users if u["role"] != "customer"]
    answerer_ids = [u["id"] for u in users if u["role"] in ("expert", "staff", "moderator")]
    all_ids = [u["id"] for u in users]
    tag_counts: Counter = Counter()
    scoped_counts: dict[str, Counter] = {"public": Counter(), "internal": Counter()}
    span = (now - start).total_seconds()
    answer_id = 0
    accepted: list[dict] = []
    for first in range(1, n_questions + 1, chunk):
        last = min(n_questions, first + chunk - 1)
        qs, qtags, ans, coms, revs = [], [], [], [], []
        for qid in range(first, last + 1):
            created = start + timedelta(seconds=span * (qid - 1) / max(1, n_questions) + rng.randint(0, 600))
            r = rng.random()
            visibility, team_id = ("public", None) if r < 0.7 else ("internal", None) if r < 0.9 else \
                ("team", rng.randint(1, len(TEAMS)))
            author = rng.choice(all_ids if visibility == "public" else staff_ids)
            title = _title(rng)
            md, body_html = _body(rng, "q")
            tag_ids = rng.sample(range(1, len(TAGS) + 1), rng.choice((1, 2, 2, 3, 3, 4, 5)))
            tag_counts.update(tag_ids)
            if visibility in scoped_counts:
                scoped_counts[visibility].update(tag_ids)
            n_answers = 0 if rng.random() < 0.2 else min(8, 1 + int(rng.expovariate(0.42)))  # ~2.2 per question, as in the beer dump
            last_activity = created
            q_answer_ids = []
            for _ in range(n_answers):
                answer_id += 1
                a_created = created + timedelta(minutes=rng.randint(3, 60 * 24 * 5))
                last_activity = max(last_activity, a_created)
                a_md, a_html = _body(rng, "a")
                a_author = rng.choice(answerer_ids)
                ans.append({"id": answer_id, "question_id": qid, "author_id": a_author,
                            "score": max(-2, int(rng.gauss(2, 3))), "body_md": a_md, "body_html": a_html,
                            "created_at": a_created})
                revs.append({"answer_id": answer_id, "question_id": None, "number": 1, "author_id": a_author,
                             "title": None, "tags": None, "body_md": a_md, "comment": "",
                             "created_at": a_created})
                q_answer_ids.append(answer_id)
                if rng.random() < 0.2:
                    c = rng.choice(COMMENTS)
                    coms.append({"question_id": None, "answer_id": answer_id, "author_id": rng.choice(all_ids),
                                 "body_md": c, "body_html": f"<p>{html.escape(c)}</p>",
                                 "created_at": a_created + timedelta(minutes=5)})
            if q_answer_ids and rng.random() < 0.6:
                accepted.append({"qid": qid, "aid": rng.choice(q_answer_ids)})
            if rng.random() < 0.3:
                c = rng.choice(COMMENTS)
                coms.append({"question_id": qid, "answer_id": None, "author_id": rng.choice(all_ids),
                             "body_md": c, "body_html": f"<p>{html.escape(c)}</p>",
                             "created_at": created + timedelta(minutes=2)})
            names = " ".join(TAGS[i - 1] for i in tag_ids)
            qs.append({"id": qid, "title": title, "slug": _slugify(title), "author_id": author,
                       "visibility": visibility, "team_id": team_id, "score": max(-3, int(rng.gauss(3, 4))),
                       "answer_count": n_answers, "view_count": rng.randint(0, 5000),
                       "accepted_answer_id": None, "last_activity_at": last_activity, "body_md": md,
                       "body_html": body_html, "created_at": created,
                       "deleted_at": created + timedelta(days=1) if rng.random() < 0.005 else None})
            qtags.extend({"question_id": qid, "tag_id": tid, "position": pos} for pos, tid in enumerate(tag_ids))
            revs.append({"question_id": qid, "answer_id": None, "number": 1, "author_id": author, "title": title,
                         "tags": names, "body_md": md, "comment": "", "created_at": created})
        with engine.begin() as conn:
            conn.execute(T["questions"].insert(), qs)
            conn.execute(T["question_tags"].insert(), qtags)
            if ans:
                conn.execute(T["answers"].insert(), ans)
            if coms:
                conn.execute(T["comments"].insert(), coms)
            conn.execute(T["revisions"].insert(), revs)
        counts.update(questions=len(qs), question_tags=len(qtags), answers=len(ans), comments=len(coms),
                      revisions=len(revs))
        print(f"    {last:>9,} questions, {answer_id:>9,} answers", flush=True)
    t.step("questions, answers, comments, revisions",
           counts["questions"] + counts["answers"] + counts["comments"] + counts["revisions"])

    q = T["questions"]
    with engine.begin() as conn:
        if accepted:
            conn.execute(update(q).where(q.c.id == bindparam("qid")).values(accepted_answer_id=bindparam("aid")),
                         accepted)
        tg = T["tags"]
        conn.execute(update(tg).where(tg.c.id == bindparam("tid")).values(
            question_count=bindparam("n"), public_count=bindparam("pub"), internal_count=bindparam("int")),
            [{"tid": k, "n": v, "pub": scoped_counts["public"][k], "int": scoped_counts["internal"][k]}
             for k, v in tag_counts.items()])
    t.step("accepted answers, tag counts", len(accepted))

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Explicit ids bypassed the sequences: move them past the data.
            for name in ("teams", "users", "tags", "questions", "answers", "comments", "revisions"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"(SELECT coalesce(max(id), 1) FROM {name}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    t.step("sequences, ANALYZE")
    with engine.connect() as conn:
        visible = conn.scalar(select(func.count()).select_from(q).where(q.c.visibility == "public",
                                                                        q.c.deleted_at.is_(None)))
    engine.dispose()
    counts["accepted"] = len(accepted)
    counts["public_visible_questions"] = visible
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"  total {t.total():.1f}s; users log in with password {BENCH_PASSWORD!r} (bench_admin is admin)")
    return dict(counts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"),
                        help="SQLAlchemy database URL (default: $DATABASE_URL)")
    parser.add_argument("--questions", "-n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=5000, help="questions per insert transaction")
    parser.add_argument("--reset", action="store_true", help="drop every table first")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("give --url or set DATABASE_URL")
    if args.url.startswith("sqlite:///"):
        Path(args.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    generate(args.url, args.questions, args.seed, args.reset, args.chunk)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
