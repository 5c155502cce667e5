"""Read side for readers: the KB home, category and tag pages, lists for the API and the
feed. Every statement applies ``access.reader_clause`` (audience and readability) in SQL, so
nothing hidden is listed or counted; rows carry the published version, never a newer draft.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, desc, func, select
from sqlalchemy.orm import Session, lazyload

from app.forum.models import Tag
from app.kb import access
from app.kb.models import Article, ArticleCategory, ArticleTag, ArticleVersion, Category
from app.kb.tree import Node, Tree
from app.pagination import Page

SORTS = ("popular", "recent", "title")


@dataclass
class Row:
    """An article in a list: the row and the version readers see."""
    article: Article
    version: ArticleVersion

    @property
    def id(self) -> int:
        return self.article.id

    @property
    def title(self) -> str:
        return self.version.title


@dataclass
class Branch:
    """A category as a viewer sees it in the tree: its count covers its subcategories (each
    article once)."""
    category: Category
    count: int
    depth: int = 0
    children: list["Branch"] = field(default_factory=list)


@dataclass
class Catalog:
    """Every category, as a tree, with the counts this viewer may see."""
    tree: Tree
    rows: dict[int, Category]
    counts: dict[int, int]

    def shown(self, category_id: int, viewer) -> bool:
        """Customers and visitors see only categories with something for them (as help centres
        hide empty sections); staff see the whole structure, to browse and to file."""
        return access.is_staff(viewer) or self.counts.get(category_id, 0) > 0

    def branches(self, viewer, parent: int | None = None, depth: int = 1) -> list[Branch]:
        out = []
        for cid in self.tree.kids(parent):
            if self.shown(cid, viewer):
                out.append(Branch(self.rows[cid], self.counts.get(cid, 0), 0,
                                  self.branches(viewer, cid, depth - 1) if depth > 0 else []))
        return out

    def crumbs(self, category_id: int | None) -> list[Category]:
        return [self.rows[i] for i in self.tree.path(category_id)] if category_id in self.rows else []

    def options(self) -> list[tuple[int, str, int]]:
        """(id, name, depth) of every category, depth first (pickers)."""
        return [(cid, self.rows[cid].name, depth) for cid, depth in self.tree.walk()]


def catalog(session: Session, viewer) -> Catalog:
    """The whole tree in one query, with each category's count for ``viewer`` (of its subtree)."""
    rows = {c.id: c for c in session.scalars(select(Category))}
    tree = Tree.of(Node(c.id, c.parent_id, c.position, c.name) for c in rows.values())
    return Catalog(tree, rows, {cid: visible_count(c, viewer) for cid, c in rows.items()})


def visible_count(category: Category, viewer) -> int:
    """What ``viewer`` may count of the category's own articles (see visible_count_column)."""
    if not access.is_staff(viewer):
        return category.public_count
    if access.is_curator(viewer):
        return category.total_count
    return category.public_count + category.internal_count


# Lists show titles, excerpts and counts: the owners and editors the rows would drag along
# (with every owner's team memberships) are loaded only if a page asks for them.
LIST_OPTIONS = (lazyload(Article.owner_user), lazyload(Article.owner_team), lazyload(ArticleVersion.editor))


def readable(viewer) -> Select:
    """Articles ``viewer`` may read, with the version they read."""
    return (select(Article, ArticleVersion).join(ArticleVersion, ArticleVersion.id == Article.published_version_id)
            .where(access.reader_clause(viewer)).options(*LIST_OPTIONS))


def readable_ids(viewer) -> Select:
    """Ids of the articles ``viewer`` may read (lists pick and sort ids first: see ``_ids``)."""
    return select(Article.id).where(access.reader_clause(viewer))


def _order(stmt: Select, sort: str) -> Select:
    # Ties are broken by id, which is the rowid: the popularity and publication indexes then
    # give the order as they are, with no sort.
    if sort == "recent":
        return stmt.order_by(desc(Article.published_at), desc(Article.id))
    if sort == "title":
        return stmt.join(ArticleVersion, ArticleVersion.id == Article.published_version_id).order_by(
            ArticleVersion.title, Article.id)
    return stmt.order_by(desc(Article.popularity), desc(Article.id))


def _rows(session: Session, stmt: Select) -> list[Row]:
    return [Row(a, v) for a, v in session.execute(stmt)]


def _ids(session: Session, stmt: Select, limit: int, offset: int = 0) -> list[Row]:
    """The rows of a page of ids: the database sorts small id rows, then loads only the page's
    articles and versions (sorting 100,000 joined rows with their texts took a second)."""
    ids = list(session.scalars(stmt.limit(limit).offset(offset)))
    return by_ids(session, None, ids, check=False)


def page_of(session: Session, stmt: Select, page: int, per_page: int) -> Page[Row]:
    """``stmt`` selects ids (readable_ids, filtered and ordered)."""
    total = session.scalar(stmt.order_by(None).with_only_columns(func.count(), maintain_column_froms=True)) or 0
    return Page(items=_ids(session, stmt, per_page, (page - 1) * per_page), total=total, page=page,
                per_page=per_page)


@dataclass
class Home:
    catalog: Catalog
    top: list[Branch]
    popular: list[Row]
    recent: list[Row]
    total: int


def home(session: Session, viewer, *, limit: int = 8) -> Home:
    """The KB home: categories (with their first level), popular and recently updated."""
    found = catalog(session, viewer)
    total = sum(found.counts.get(r, 0) for r in found.tree.roots())
    return Home(catalog=found, top=found.branches(viewer, None, 1),
                popular=_ids(session, _order(readable_ids(viewer), "popular"), limit),
                recent=_ids(session, _order(readable_ids(viewer), "recent"), limit), total=total)


def in_categories(stmt: Select, category_ids: list[int]) -> Select:
    return stmt.where(Article.id.in_(select(ArticleCategory.article_id)
                                     .where(ArticleCategory.category_id.in_(category_ids))))


@dataclass
class CategoryPage:
    category: Category
    catalog: Catalog
    crumbs: list[Category]
    children: list[Branch]
    articles: Page[Row]
    sort: str


def category_page(session: Session, category: Category, viewer, *, sort: str = "popular", page: int = 1,
                  per_page: int = 20, include_subcategories: bool = True) -> CategoryPage:
    """A category with its breadcrumb, subcategories and articles (of its subtree, by default)."""
    found = catalog(session, viewer)
    ids = found.tree.subtree(category.id) if include_subcategories else [category.id]
    articles = page_of(session, _order(in_categories(readable_ids(viewer), ids), sort), page, per_page)
    return CategoryPage(category=category, catalog=found, crumbs=found.crumbs(category.id),
                        children=found.branches(viewer, category.id, 0), articles=articles, sort=sort)


def tag_articles(session: Session, tag: Tag, viewer, *, sort: str = "popular", page: int = 1,
                 per_page: int = 20) -> Page[Row]:
    stmt = readable_ids(viewer).where(Article.id.in_(select(ArticleTag.article_id).where(ArticleTag.tag_id == tag.id)))
    return page_of(session, _order(stmt, sort), page, per_page)


def list_articles(session: Session, viewer, *, category_ids: list[int] | None = None, tag_id: int | None = None,
                  status: str | None = None, sort: str = "recent", page: int = 1, per_page: int = 20) -> Page[Row]:
    """The API's list. Readers list readable articles; ``status`` narrows to a status, and for
    editors it lists the articles they may work on (drafts, reviews) with their newest version."""
    editing = bool(status and status != "published" and access.is_staff(viewer))
    if editing:
        stmt = select(Article.id).where(access.editor_clause(viewer), Article.status == status)
    else:
        stmt = readable_ids(viewer)
        if status:
            stmt = stmt.where(Article.status == status)
    if category_ids is not None:
        stmt = in_categories(stmt, category_ids)
    if tag_id is not None:
        stmt = stmt.where(Article.id.in_(select(ArticleTag.article_id).where(ArticleTag.tag_id == tag_id)))
    stmt = _order(stmt, sort) if not (editing and sort == "title") else stmt.order_by(Article.id)
    total = session.scalar(stmt.order_by(None).with_only_columns(func.count(), maintain_column_froms=True)) or 0
    ids = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=by_ids(session, None, ids, check=False, newest=editing), total=total, page=page,
                per_page=per_page)


def by_ids(session: Session, viewer, ids: list[int], *, check: bool = True, newest: bool = False) -> list[Row]:
    """Articles among ``ids``, in that order, with the version readers see (``newest``: the
    current one). ``check``: keep only what ``viewer`` may read (search results); off for ids a
    query of this module already filtered."""
    if not ids:
        return []
    version = Article.current_version_id if newest else Article.published_version_id
    stmt = (select(Article, ArticleVersion).join(ArticleVersion, ArticleVersion.id == version)
            .where(Article.id.in_(ids)).options(*LIST_OPTIONS))
    if check:
        stmt = stmt.where(access.reader_clause(viewer))
    found = {r.id: r for r in _rows(session, stmt)}
    return [found[i] for i in ids if i in found]


def feed(session: Session, viewer, *, limit: int = 30) -> list[Row]:
    """The newest publications for the Atom feed (what ``viewer`` may read)."""
    return _ids(session, _order(readable_ids(viewer), "recent"), limit)


def tags_of(session: Session, article_ids: list[int]) -> dict[int, list[Tag]]:
    out: dict[int, list[Tag]] = {}
    if article_ids:
        for article_id, tag in session.execute(select(ArticleTag.article_id, Tag).join(Tag, Tag.id == ArticleTag.tag_id)
                                               .where(ArticleTag.article_id.in_(article_ids))
                                               .order_by(ArticleTag.position)):
            out.setdefault(article_id, []).append(tag)
    return out


def categories_of(session: Session, article_ids: list[int]) -> dict[int, list[Category]]:
    out: dict[int, list[Category]] = {}
    if article_ids:
        for article_id, category in session.execute(
                select(ArticleCategory.article_id, Category).join(Category, Category.id == ArticleCategory.category_id)
                .where(ArticleCategory.article_id.in_(article_ids)).order_by(Category.name)):
            out.setdefault(article_id, []).append(category)
    return out
