"""Published knowledge-base articles for the load benchmark, so that it measures an article page too:
neither the imported dump nor the generated data has any. Run in the database's own process by
``data.ensure_articles`` (``DATABASE_URL`` set): a public category and up to ``COUNT`` accepted
answers of public questions promoted into it and published, through the real services, by a
curator created for the purpose. Does nothing when a published article already exists."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.accounts import services as accounts  # noqa: E402
from app.accounts.models import User  # noqa: E402
from app.db import unit_of_work  # noqa: E402
from app.extensions import db  # noqa: E402
from app.forum.models import Answer, Question  # noqa: E402
from app.kb.models import Article  # noqa: E402
from app.kb.services import Changes, create_category, promote_answers, publish, save_article  # noqa: E402

COUNT = 30
CURATOR = "bench_curator"


def main() -> int:
    app = create_app()
    with app.app_context():
        if db.session.scalar(select(Article.id).where(Article.status == "published").limit(1)):
            return 0
        db.session.rollback()
        with unit_of_work(db.session, write=True):
            curator = db.session.scalar(select(User).where(User.username == CURATOR)) or \
                accounts.create_user(db.session, CURATOR, "bench-password-1", role="admin")
            category = create_category(db.session, {"name": "Bench articles", "default_audience": "public",
                                                    "review_days": 365}, by=curator)
            answers = db.session.scalars(
                select(Answer).join(Question, Question.accepted_answer_id == Answer.id)
                .where(Question.visibility == "public").order_by(Question.id).limit(COUNT))
            for answer in list(answers):
                article = promote_answers(db.session, answer, by=curator)
                save_article(db.session, article, Changes(categories=[category.id]), by=curator)
                publish(db.session, article, by=curator)
    return 0


if __name__ == "__main__":
    sys.exit(main())
