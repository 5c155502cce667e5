"""The knowledge tree: create, rename and configure, reorder, move a subtree (never under
itself), delete an empty category; which categories an article is in; the readable-article
counts kept on each category."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import Team, User
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.kb import access
from app.kb.models import AUDIENCES, Article, ArticleCategory, Category
from app.kb.services import common
from app.kb.tree import Node, Tree, reorder
from app.markup import slugify

NAME_MAX, DESCRIPTION_MAX = 100, 500


def load_tree(session: Session) -> Tree:
    """Every category as a Tree (one query; the tree is small: hundreds, not millions)."""
    rows = session.execute(select(Category.id, Category.parent_id, Category.position, Category.name))
    return Tree.of(Node(*row) for row in rows)


def get_category(session: Session, category_id: int | None) -> Category:
    found = session.get(Category, category_id) if category_id else None
    if found is None:
        raise NotFound(_l("No such category."))
    return found


def _clean(session: Session, values: dict, errors: dict, *, current: Category | None = None) -> dict:
    """Checked values of the fields given in ``values`` (name, description, parent_id,
    owner_team_id, default_audience, review_days)."""
    out = {}
    if "name" in values or current is None:
        name = " ".join((values.get("name") or "").split())
        if not name:
            errors["name"] = _l("Give the category a name.")
        elif len(name) > NAME_MAX:
            errors["name"] = _l("At most %(n)d characters.", n=NAME_MAX)
        out["name"] = name
    if "description" in values:
        text = (values.get("description") or "").strip()
        if len(text) > DESCRIPTION_MAX:
            errors["description"] = _l("At most %(n)d characters.", n=DESCRIPTION_MAX)
        out["description"] = text
    if "parent_id" in values:
        parent_id = values.get("parent_id")
        if parent_id is not None and session.get(Category, parent_id) is None:
            errors["parent_id"] = _l("Unknown category.")
        out["parent_id"] = parent_id
    if "owner_team_id" in values:
        team_id = values.get("owner_team_id")
        if team_id is not None and session.get(Team, team_id) is None:
            errors["owner_team_id"] = _l("Unknown team.")
        out["owner_team_id"] = team_id
    if "default_audience" in values or current is None:
        audience = values.get("default_audience") or "internal"
        if audience not in AUDIENCES:
            errors["default_audience"] = _l("Use one of: %(choices)s.", choices=", ".join(AUDIENCES))
        out["default_audience"] = audience
    if "review_days" in values or current is None:
        days = values.get("review_days")
        days = int(common.setting("KB_REVIEW_DAYS")) if days is None else days
        if not isinstance(days, int) or not 1 <= days <= 3650:
            errors["review_days"] = _l("Between 1 and 3650 days.")
        out["review_days"] = days
    audience = out.get("default_audience", current.default_audience if current else "internal")
    team = out.get("owner_team_id", current.owner_team_id if current else None)
    if audience == "team" and team is None and "default_audience" not in errors:
        errors["default_audience"] = _l("A team audience needs an owner team.")
    return out


def _check_sibling_name(session: Session, parent_id: int | None, name: str, errors: dict,
                        exclude: int | None = None) -> None:
    siblings = select(Category.id).where(func.lower(Category.name) == name.lower(),
                                         Category.parent_id.is_(None) if parent_id is None
                                         else Category.parent_id == parent_id)
    if exclude is not None:
        siblings = siblings.where(Category.id != exclude)
    if name and session.scalar(siblings.limit(1)):
        errors["name"] = _l("A category with this name is already there.")


def create_category(session: Session, values: dict, *, by: User) -> Category:
    """A new category at the end of its parent's children. Curators only."""
    common.require_curator(by)
    errors: dict = {}
    clean = _clean(session, {**values, "parent_id": values.get("parent_id")}, errors)
    if not errors:
        _check_sibling_name(session, clean["parent_id"], clean["name"], errors)
    if errors:
        raise Invalid(errors=errors)
    position = session.scalar(select(func.count(Category.id)).where(
        Category.parent_id.is_(None) if clean["parent_id"] is None else Category.parent_id == clean["parent_id"]))
    category = Category(slug=slugify(clean["name"]), position=position or 0, **clean)
    session.add(category)
    session.flush()
    return category


def update_category(session: Session, category: Category, values: dict, *, by: User) -> Category:
    """Rename, describe, re-own, change the default audience or review period, and move under
    another parent (``parent_id``, None for the top) at ``position`` (default: last). A move
    under the category itself or one of its descendants is refused (field ``parent_id``)."""
    common.require_curator(by)
    errors: dict = {}
    clean = _clean(session, values, errors, current=category)
    tree = load_tree(session)
    parent_id = clean.get("parent_id", category.parent_id)
    if "parent_id" in clean and "parent_id" not in errors and tree.would_cycle(category.id, parent_id):
        errors["parent_id"] = _l("A category cannot move under itself or one of its subcategories.")
    if not errors and ("name" in clean or parent_id != category.parent_id):
        _check_sibling_name(session, parent_id, clean.get("name", category.name), errors, exclude=category.id)
    if errors:
        raise Invalid(errors=errors)
    old_parent = category.parent_id
    for key, value in clean.items():
        if key != "parent_id":
            setattr(category, key, value)
    if "name" in clean:
        category.slug = slugify(clean["name"])
    category.updated_at = utcnow()
    if parent_id != old_parent or values.get("position") is not None:
        _place(session, tree, category, parent_id, values.get("position"))
        if parent_id != old_parent:
            session.flush()
            _renumber(session, load_tree(session), old_parent)
            # The subtree's articles leave the old ancestors' counts and join the new ones'.
            recount(session, [old_parent, category.id])
    session.flush()
    return category


def move_category(session: Session, category: Category, *, by: User, parent_id: int | None,
                  position: int | None = None) -> Category:
    """Move the category (and its whole subtree) under ``parent_id`` at ``position``."""
    return update_category(session, category, {"parent_id": parent_id, "position": position}, by=by)


def shift_category(session: Session, category: Category, offset: int, *, by: User) -> Category:
    """Reorder among siblings: one place up (-1) or down (+1)."""
    common.require_curator(by)
    siblings = load_tree(session).kids(category.parent_id)
    index = siblings.index(category.id) if category.id in siblings else 0
    return update_category(session, category, {"position": max(0, index + offset)}, by=by)


def _place(session: Session, tree: Tree, category: Category, parent_id: int | None, position: int | None) -> None:
    siblings = [i for i in tree.kids(parent_id) if i != category.id]
    order = reorder(siblings, category.id, len(siblings) if position is None else position)
    category.parent_id = parent_id
    for index, cid in enumerate(order):
        session.execute(update(Category).where(Category.id == cid).values(position=index),
                        execution_options={"synchronize_session": False})
    session.expire(category, ["position"])


def _renumber(session: Session, tree: Tree, parent_id: int | None) -> None:
    for index, cid in enumerate(tree.kids(parent_id)):
        session.execute(update(Category).where(Category.id == cid).values(position=index),
                        execution_options={"synchronize_session": False})


def delete_category(session: Session, category: Category, *, by: User) -> None:
    """Delete an empty category (no subcategories, no articles): Conflict otherwise, so that no
    article is ever left without its place by accident."""
    common.require_curator(by)
    if session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1)):
        raise Conflict(_l("Move or delete its subcategories first."))
    if session.scalar(select(ArticleCategory.article_id).where(ArticleCategory.category_id == category.id).limit(1)):
        raise Conflict(_l("Move its articles to another category first."))
    session.execute(update(Article).where(Article.primary_category_id == category.id)
                    .values(primary_category_id=None), execution_options={"synchronize_session": False})
    parent = category.parent_id
    session.delete(category)
    session.flush()
    _renumber(session, load_tree(session), parent)
    recount(session, [parent])


# --- an article's categories ---------------------------------------------------------------------

def clean_article_categories(session: Session, ids, primary_id, errors: dict) -> tuple[list[int], int | None]:
    """Category ids (order kept, repeats dropped) and the primary one (the first when not
    given); unknown ids and a primary outside the list are field errors."""
    wanted = list(dict.fromkeys(int(i) for i in ids or []))
    most = int(common.setting("KB_MAX_CATEGORIES"))
    if len(wanted) > most:
        errors["categories"] = _l("At most %(n)d categories.", n=most)
        return wanted, None
    known = set(session.scalars(select(Category.id).where(Category.id.in_(wanted)))) if wanted else set()
    unknown = [i for i in wanted if i not in known]
    if unknown:
        errors["categories"] = _l("Unknown category: %(id)s.", id=unknown[0])
    if primary_id is not None and primary_id not in wanted:
        errors["primary_category"] = _l("The primary category must be one of the article's categories.")
    return wanted, (primary_id if primary_id is not None else (wanted[0] if wanted else None))


def set_article_categories(session: Session, article: Article, ids: list[int], primary_id: int | None) -> bool:
    """Replace the article's categories (checked ids); returns whether anything changed."""
    current = set(session.scalars(select(ArticleCategory.category_id).where(ArticleCategory.article_id == article.id)))
    wanted = set(ids)
    if current == wanted and article.primary_category_id == primary_id:
        return False
    if current - wanted:
        session.execute(delete(ArticleCategory).where(ArticleCategory.article_id == article.id,
                                                      ArticleCategory.category_id.in_(current - wanted)))
    for category_id in ids:
        if category_id not in current:
            session.add(ArticleCategory(article_id=article.id, category_id=category_id))
    article.primary_category_id = primary_id
    session.flush()
    recount(session, current | wanted)
    return True


# --- counts ------------------------------------------------------------------------------------------

def recount(session: Session, category_ids) -> None:
    """Recompute the readable-article counts of ``category_ids`` and of all their ancestors
    from the rows (every service that changes an article's readability, audience or
    categories, or moves a category, calls it). A category counts the distinct articles of its
    whole subtree: an article filed under both a category and its subcategory counts once."""
    tree = load_tree(session)
    ids = sorted({a for i in category_ids if i in tree.nodes for a in tree.path(i)})
    for category_id in ids:
        subtree = tree.subtree(category_id)

        def distinct(*audiences):
            article = ArticleCategory.article_id
            if audiences:
                article = case((Article.audience.in_(audiences), ArticleCategory.article_id))
            return func.count(func.distinct(article))
        public, internal, total = session.execute(
            select(distinct("public"), distinct("internal"), distinct())
            .join(Article, Article.id == ArticleCategory.article_id)
            .where(ArticleCategory.category_id.in_(subtree), access.readable_clause())).one()
        session.execute(update(Category).where(Category.id == category_id).values(
            public_count=public, internal_count=internal, total_count=total),
            execution_options={"synchronize_session": False})


def recount_for_article(session: Session, article: Article) -> None:
    session.flush()
    recount(session, session.scalars(select(ArticleCategory.category_id).where(
        and_(ArticleCategory.article_id == article.id))))


def visible_count_column(user):
    """The Category column holding what ``user`` may count (mirrors the forum's tag counts:
    team articles are counted for curators only, so a count never reveals one)."""
    if not access.is_staff(user):
        return Category.public_count
    if access.is_curator(user):
        return Category.total_count
    return Category.public_count + Category.internal_count
