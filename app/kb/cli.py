"""``flask kb ...``: batch promotion of accepted answers, the review-date sweep, recounts.

Each batch is its own unit of work (``app.db.unit_of_work``), so a long run commits as it
goes and a failure loses at most one batch; every command can be run again safely.
"""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.models import Role, User
from app.accounts.services import find_user
from app.db import intent, unit_of_work
from app.errors import DomainError
from app.extensions import db
from app.forum.models import Answer, Question
from app.kb.models import ArticleSource, Category

kb_cli = AppGroup("kb", help="Knowledge base: promotion, review dates, counts.")


def _curator(username: str | None) -> User:
    user = find_user(db.session, username) if username else db.session.scalar(
        select(User).where(User.role == Role.admin.value).order_by(User.id).limit(1))
    if user is None or not user.is_moderator:
        raise click.ClickException("Name a moderator or admin with --by (the promoter of record).")
    return user


def accepted_unpromoted(session, site: str | None, after: int = 0, limit: int = 200) -> list[int]:
    """Ids of accepted answers (live, on live questions) with no article yet, ascending."""
    stmt = (select(Answer.id).join(Question, Question.accepted_answer_id == Answer.id)
            .where(Answer.id > after, Answer.deleted_at.is_(None), Question.deleted_at.is_(None),
                   ~Answer.id.in_(select(ArticleSource.answer_id).where(ArticleSource.answer_id.is_not(None))))
            .order_by(Answer.id).limit(limit))
    if site:
        stmt = stmt.where(Question.source_site == site)
    return list(session.scalars(stmt))


@kb_cli.command("promote-accepted")
@click.option("--site", help="Only questions imported from this site (e.g. beer.stackexchange.com).")
@click.option("--by", "username", help="The curator of record (default: the first admin).")
@click.option("--category", "category_id", type=int, help="Place each draft in this category.")
@click.option("--batch", default=200, show_default=True, help="Answers per transaction.")
@click.option("--limit", type=int, help="Stop after this many.")
def promote_accepted_command(site, username, category_id, batch, limit):
    """Promote every accepted answer that has no article yet to a draft article (idempotent)."""
    from app.kb.services import promote
    from app.kb.services.categories import set_article_categories

    with intent(False):
        by_id = _curator(username).id
        if category_id is not None and db.session.get(Category, category_id) is None:
            raise click.ClickException(f"No category {category_id}.")
        db.session.rollback()
    done, failed, last, started = 0, 0, 0, time.perf_counter()
    while limit is None or done < limit:
        with unit_of_work(db.session, write=True):
            by = db.session.get(User, by_id)
            ids = accepted_unpromoted(db.session, site, last, min(batch, (limit - done) if limit else batch))
            for answer_id in ids:
                try:
                    with db.session.begin_nested():
                        article = promote.promote_answers(db.session, db.session.get(Answer, answer_id), by=by)
                        if category_id is not None:
                            set_article_categories(db.session, article, [category_id], category_id)
                    done += 1
                except DomainError as err:
                    failed += 1
                    click.echo(f"answer {answer_id}: {err.detail}", err=True)
        if not ids:
            break
        last = ids[-1]
        db.session.expunge_all()
    took = time.perf_counter() - started
    rate = done / took if took else 0.0
    click.echo(f"Promoted {done} accepted answers to draft articles in {took:.1f} s ({rate:.0f} articles/s)"
               + (f"; {failed} refused" if failed else "") + ".")


@kb_cli.command("review-due")
@click.option("--dry-run", is_flag=True, help="List what is due without changing anything.")
def review_due_command(dry_run):
    """Move published articles whose review date has come to needs_review and tell their owners."""
    from app.kb.services.review import review_due

    with unit_of_work(db.session, write=not dry_run):
        found = review_due(db.session, dry_run=dry_run)
        lines = [f"article {a.id}: review date {a.review_by}" for a in found]
        if dry_run:
            db.session.rollback()
    for line in lines:
        click.echo(line)
    click.echo(f"{len(lines)} article(s) {'due' if dry_run else 'moved to needs_review'}.")


@kb_cli.command("recount")
def recount_command():
    """Recompute every category's article counts and every article's popularity (repairs)."""
    from app.kb.services.categories import recount
    from app.kb.services.stats import refresh_all_popularity

    with unit_of_work(db.session, write=True):
        ids = list(db.session.scalars(select(Category.id)))
        recount(db.session, ids)
        refreshed = refresh_all_popularity(db.session)
    click.echo(f"Recounted {len(ids)} categories; refreshed the popularity of {refreshed} articles.")
