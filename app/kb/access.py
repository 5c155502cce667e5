"""Who may read, edit, publish and promote knowledge-base articles: the one place where it is
decided, used by every query (pages, lists, counts, the API, feeds), the search source's
safety net, suggestions and related items.

Audience mirrors the forum's visibility (``app.forum.access``): ``public`` for everyone,
customers and anonymous visitors included; ``internal`` for staff and above; ``team`` for the
members of the article's team. Moderators and admins see everything. On top of the audience:

* **readers** see an article only once it has a published version and is not archived, and
  only that version (a newer draft, or a fix in review, never reaches them);
* **editors** ("fix it": curators, the owner, the creator, and staff holding the forum's
  ``edit_others`` privilege) also see drafts and versions in review, within the audience;
* **publishers** (curators and owners: the owner user, or an admin of the owner team) validate:
  publish, archive, restore from the archive;
* **curators** are moderators and admins: the whole knowledge base, the tree, every queue.

A curator concept separate from moderators was not added: in a contact centre the people
who moderate the forum are the ones who curate its knowledge, and a second role would be one
more thing for team admins to keep in step. ``KB_PROMOTE_ROLES`` extends promotion to
other roles (see :func:`promote_refusal`).
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, false, or_, true

from app import privileges
from app.accounts.models import Role, User
from app.kb.models import Article, Status

AUDIENCE_ORDER = {"public": 0, "internal": 1, "team": 2}  # larger = narrower


def real(user) -> User | None:
    """None for anonymous visitors (flask-login's AnonymousUserMixin included)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def is_curator(user) -> bool:
    user = real(user)
    return bool(user and user.is_moderator)


def is_staff(user) -> bool:
    user = real(user)
    return bool(user and user.is_staff)


# --- audience ---------------------------------------------------------------------------------

def audience_clause(user) -> ColumnElement[bool]:
    """SQL: the article's audience includes ``user`` (status not considered)."""
    user = real(user)
    if user is None or not user.is_staff:
        return Article.audience == "public"
    if user.is_moderator:
        return true()
    teams = list(user.team_ids)
    team_ok = and_(Article.audience == "team", Article.team_id.in_(teams)) if teams else false()
    return or_(Article.audience.in_(("public", "internal")), team_ok)


def in_audience(article: Article, user) -> bool:
    user = real(user)
    if article.audience == "public":
        return True
    if user is None or not user.is_staff:
        return False
    if user.is_moderator or article.audience == "internal":
        return True
    return article.team_id is not None and article.team_id in user.team_ids


def readable_clause() -> ColumnElement[bool]:
    """SQL: the article has a published version and is not archived."""
    return and_(Article.published_version_id.is_not(None), Article.status != Status.archived.value)


def reader_clause(user) -> ColumnElement[bool]:
    """SQL condition on Article true exactly for articles ``user`` may read."""
    return and_(readable_clause(), audience_clause(user))


def can_read(article: Article | None, user) -> bool:
    return article is not None and article.is_readable and in_audience(article, user)


# --- owners, editors, publishers ------------------------------------------------------------------

def is_owner(article: Article, user) -> bool:
    """The owner user, or an admin of the owner team."""
    user = real(user)
    if user is None:
        return False
    if article.owner_user_id is not None:
        return article.owner_user_id == user.id
    return article.owner_team_id is not None and any(
        m.team_id == article.owner_team_id and m.is_team_admin for m in user.memberships)


def may_edit_others(user) -> bool:
    """Staff holding the forum's edit privilege (points decide once they register a checker)."""
    user = real(user)
    return bool(user and user.is_staff and privileges.allowed(user, privileges.EDIT_OTHERS))


def can_edit(article: Article, user) -> bool:
    """"Fix it": save a new version (it goes to review unless the editor may publish)."""
    user = real(user)
    if user is None or not user.is_staff or not in_audience(article, user):
        return False
    return (user.is_moderator or is_owner(article, user) or article.created_by_id == user.id
            or may_edit_others(user))


def editor_clause(user) -> ColumnElement[bool]:
    """SQL: articles ``user`` may open as an editor (drafts included)."""
    user = real(user)
    if user is None or not user.is_staff:
        return false()
    if user.is_moderator:
        return true()
    if may_edit_others(user):
        return audience_clause(user)
    admin_teams = [m.team_id for m in user.memberships if m.is_team_admin]
    own = or_(Article.owner_user_id == user.id, Article.created_by_id == user.id,
              Article.owner_team_id.in_(admin_teams) if admin_teams else false())
    return and_(audience_clause(user), own)


def can_see(article: Article | None, user) -> bool:
    """Reader or editor: whether ``user`` may know the article exists at all (404 otherwise)."""
    return article is not None and (can_read(article, user) or can_edit(article, user))


def can_publish(article: Article, user) -> bool:
    user = real(user)
    return bool(user and in_audience(article, user) and (user.is_moderator or is_owner(article, user)))


def can_flag(article: Article, user) -> bool:
    """Any member of staff who can read the article ("flag it")."""
    return is_staff(user) and can_read(article, user)


def can_see_health(article: Article, user) -> bool:
    """The helpful ratio, feedback comments and open flags: owners and curators."""
    user = real(user)
    return bool(user and (user.is_moderator or is_owner(article, user)))


# --- promotion ------------------------------------------------------------------------------------

def promote_refusal(user, *, accepted: bool):
    """Why ``user`` may not promote an answer (lazy text), or None when they may.

    Curators promote any answer (moderators clean up threads where the best answer was never
    accepted). Roles listed in ``KB_PROMOTE_ROLES`` below curators promote accepted answers
    only, and must also hold the ``promote_article`` privilege, which the points domain decides
    once it registers its checker (trusted experts); until then the setting alone decides.
    """
    user = real(user)
    if user is None or not user.is_staff:
        return _l("Only curators can turn answers into articles.")
    if user.is_moderator:
        return None
    if user.role not in current_app.config.get("KB_PROMOTE_ROLES", ("moderator", "admin")):
        return _l("Only curators can turn answers into articles.")
    if not accepted:
        return _l("Only accepted answers can become articles; a moderator can promote any answer.")
    found = privileges.refusal(user, privileges.PROMOTE_ARTICLE)
    return found.message if found is not None else None


def can_promote(user, *, accepted: bool) -> bool:
    return promote_refusal(user, accepted=accepted) is None


# --- audiences a person may choose ------------------------------------------------------------------

def narrowest(audiences) -> str:
    """The narrowest of several audiences (``team`` < ``internal`` < ``public``)."""
    return max(audiences, key=lambda a: AUDIENCE_ORDER[a], default="public")


def wider(a: str, b: str) -> bool:
    """Whether audience ``a`` reaches more people than ``b``."""
    return AUDIENCE_ORDER[a] < AUDIENCE_ORDER[b]


def may_set_team(user, team_id: int | None) -> bool:
    """Team articles are written for one's own teams; curators write for any team."""
    user = real(user)
    return bool(user and (user.is_moderator or (team_id is not None and team_id in user.team_ids)))


def role_at_least(user, role: Role) -> bool:
    user = real(user)
    return bool(user and user.has_role(role))
