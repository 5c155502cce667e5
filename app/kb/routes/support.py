"""What the knowledge base's views share: loading, the anonymous visitor's key for votes, the
choices of the article form, and turning a form into the services' ``Changes``."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import Team, User
from app.accounts.services import find_user
from app.errors import Invalid
from app.extensions import db
from app.kb import access
from app.kb.forms import AUDIENCE_LABELS, SECTION_LABELS, ArticleForm
from app.kb.forms import options as choices
from app.kb.models import SECTIONS, Article
from app.kb.queries.reader import catalog
from app.kb.services import Changes, common
from app.web import refuse

_VISITOR = "kb_visitor"
_VIEWED, _VIEWED_KEEP = "kb_viewed", 50


def me():
    return current_user._get_current_object() if current_user.is_authenticated else None


def load(article_id: int) -> Article:
    return common.get_article(db.session, article_id)


# --- anonymous voters ---------------------------------------------------------------------------

def _keyed(*parts: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, "|".join(parts).encode(), hashlib.sha256).hexdigest()


def give_visitor_id() -> None:
    """An anonymous reader gets a random id in the signed session cookie with the page, so that
    their vote can be recognised again (the page itself writes nothing to the database)."""
    if not current_user.is_authenticated and _VISITOR not in session:
        session[_VISITOR] = secrets.token_urlsafe(16)


def visitor_key() -> str | None:
    """The anonymous voter's key: a keyed hash of their cookie id, or, for a browser without
    one (cookies off, or a request replayed from before the page set it), of their address and
    browser, so that replaying the same request can never count twice."""
    if current_user.is_authenticated:
        return None
    vid = session.get(_VISITOR)
    if vid:
        return _keyed("visitor", vid)
    return _keyed("address", request.remote_addr or "", request.user_agent.string[:200])


def current_visitor_id() -> str:
    """The anonymous reader's cookie id ("" without one): the article page shows their own vote,
    so the page cache keeps one copy per reader (``personal`` in app.cache.pages)."""
    return "" if "_user_id" in session else session.get(_VISITOR, "")


def current_visitor_key() -> str | None:
    """The key of a visitor who already has a cookie id (to show their vote), else None."""
    vid = None if current_user.is_authenticated else session.get(_VISITOR)
    return _keyed("visitor", vid) if vid else None


def address_key() -> str:
    return _keyed("address", request.remote_addr or "")


def first_view(article_id: int) -> bool:
    """True once per browser session per article (the view counter's rule, as for questions)."""
    viewed = list(session.get(_VIEWED, []))
    if article_id in viewed:
        return False
    session[_VIEWED] = (viewed + [article_id])[-_VIEWED_KEEP:]
    return True


# --- the article form ------------------------------------------------------------------------------

def prepare(form: ArticleForm, article: Article | None = None) -> ArticleForm:
    """Choices: categories as an indented tree, teams, audiences."""
    found = catalog(db.session, me())
    options = [(cid, "\u2003" * depth + name) for cid, name, depth in found.options()]
    form.categories.choices = choices(options)
    form.primary_category.choices = choices([("", _("The first one ticked"))] + [(str(c), n) for c, n in options])
    teams = [(t.id, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))]
    own = {t for t in (me().team_ids if me() else ())}
    form.team.choices = choices([("", _("No team"))] + [(str(i), n) for i, n in teams
                                                        if access.is_curator(me()) or i in own or
                                                        (article is not None and article.team_id == i)])
    form.owner_team.choices = choices([("", _("No team"))] + [(str(i), n) for i, n in teams])
    form.audience.choices = choices(AUDIENCE_LABELS.items())
    return form


def fill(form: ArticleForm, article: Article) -> None:
    """Put the article's newest version and settings into an empty form (GET)."""
    from app.kb.queries.reader import categories_of, tags_of

    head = common.head(db.session, article)
    form.title.data = head.title
    for name in SECTIONS:
        getattr(form, name).data = head.section_md(name)
    form.categories.data = [c.id for c in categories_of(db.session, [article.id]).get(article.id, [])]
    form.primary_category.data = str(article.primary_category_id or "")
    form.tags.data = " ".join(t.name for t in tags_of(db.session, [article.id]).get(article.id, []))
    form.audience.data = article.audience
    form.team.data = str(article.team_id or "")
    form.owner_user.data = article.owner_user.username if article.owner_user else ""
    form.owner_team.data = str(article.owner_team_id or "")
    form.review_by.data = article.review_by


def _int(value) -> int | None:
    value = (value or "").strip() if isinstance(value, str) else value
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit() and len(value) < 10) \
        else None


def changes_from(form: ArticleForm, article: Article | None) -> Changes:
    """The services' Changes from a posted form. The owner and review date count as changed
    only when they differ from the article's (so an editor who may not set them can save)."""
    errors = {}
    if form.review_by.errors:
        errors["review_by"] = _("Use a date like 2025-12-31.")
    changes = Changes(title=form.title.data or "", sections={n: getattr(form, n).data or "" for n in SECTIONS},
                      note=form.note.data or "", categories=form.categories.data or [],
                      primary_category=_int(form.primary_category.data), tags=form.tags.data or "",
                      audience=form.audience.data or None, team_id=_int(form.team.data))
    owner_team, owner_name = _int(form.owner_team.data), (form.owner_user.data or "").strip()
    current = (article.owner_user_id, article.owner_team_id) if article else (None, None)
    if owner_team is not None:
        wanted = (None, owner_team)
    elif owner_name:
        user: User | None = find_user(db.session, owner_name)
        if user is None:
            errors["owner"] = _("No such user.")
        wanted = (user.id if user else None, None)
    else:
        wanted = current
    if wanted != current:
        changes.owner_user_id, changes.owner_team_id = wanted
    if article is None or form.review_by.data != article.review_by:
        changes.review_by = form.review_by.data
    if errors:
        raise Invalid(errors=errors)
    return changes


def render_edit(form: ArticleForm, article: Article | None, status: int = 200, err=None):
    """The article form (new or edit); after a refused save, with what was typed (``err``)."""
    if err is not None:
        # The services name the owner "owner" (the form: a username field); "action" is no
        # visible field, so its message goes above the form with the refusal itself.
        renamed = {("owner_user" if k == "owner" else k): v for k, v in err.errors.items() if k != "action"}
        refuse(form, type(err)(err.detail, errors=renamed))
        if "action" in err.errors:
            form.form_errors.extend([str(err.detail), str(err.errors["action"])])
    page = None
    if article is not None:
        from app.kb.queries.article import article_page

        page = article_page(db.session, article.id, me())
    return render_template("kb/edit.html", form=form, article=article, page=page, sections=SECTIONS,
                           section_labels=SECTION_LABELS,
                           can_publish=article is None or access.can_publish(article, me())), status
