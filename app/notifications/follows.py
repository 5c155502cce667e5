"""Following questions, tags and people, and finding ``@username`` mentions.

A follow is a row per (user, target). Asking or answering a question follows it unless the
user turned that off; an explicit unfollow keeps the row inactive, so the next answer does not
follow it again. Services take ``by=`` and never commit.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.errors import Forbidden, Invalid, NotFound
from app.notifications import preferences
from app.notifications.models import Follow, Mention

TARGETS = ("question", "tag", "user")


def _target_exists(session: Session, target_type: str, target_id: int, by) -> bool:
    from app.forum import access
    from app.forum.models import Question, Tag

    if target_type == "question":
        question = session.get(Question, target_id)
        return question is not None and access.can_view(question, by)
    if target_type == "tag":
        return session.get(Tag, target_id) is not None
    user = session.get(User, target_id)
    return user is not None and user.is_active_account


def follow(session: Session, user, target_type: str, target_id: int, *, by) -> Follow:
    """``user`` follows the target (idempotent). NotFound for a target ``by`` may not see, so a
    follow never confirms that a hidden question exists; Invalid for following oneself."""
    if by is None or by.id != user.id:
        raise Forbidden(_l("You can only change what you follow yourself."))
    if target_type not in TARGETS:
        raise Invalid(errors={"type": _l("Follow a question, a tag or a user.")})
    if target_type == "user" and target_id == user.id:
        raise Invalid(errors={"id": _l("You cannot follow yourself.")})
    if not _target_exists(session, target_type, target_id, by):
        raise NotFound(_l("Nothing to follow here."))
    row = _row(session, user.id, target_type, target_id)
    if row is None:
        row = Follow(user_id=user.id, target_type=target_type, target_id=target_id)
        session.add(row)
    row.is_active = True
    session.flush()
    return row


def unfollow(session: Session, user, target_type: str, target_id: int, *, by) -> None:
    """Stop following (idempotent); the row stays, inactive, so auto-follow leaves it alone."""
    if by is None or by.id != user.id:
        raise Forbidden(_l("You can only change what you follow yourself."))
    if target_type not in TARGETS:
        raise Invalid(errors={"type": _l("Follow a question, a tag or a user.")})
    row = _row(session, user.id, target_type, target_id)
    if row is None:
        session.add(Follow(user_id=user.id, target_type=target_type, target_id=target_id, is_active=False))
    else:
        row.is_active = False
    session.flush()


def auto_follow(session: Session, user_id: int, question_id: int) -> None:
    """Asking or answering follows the question, unless the user switched that off or once
    unfollowed it."""
    if _row(session, user_id, "question", question_id) is not None:
        return
    if not preferences.preferences(session, user_id).auto_follow:
        return
    session.add(Follow(user_id=user_id, target_type="question", target_id=question_id))
    session.flush()


def _row(session: Session, user_id: int, target_type: str, target_id: int) -> Follow | None:
    return session.scalar(select(Follow).where(Follow.user_id == user_id, Follow.target_type == target_type,
                                               Follow.target_id == target_id))


def is_following(session: Session, user_id: int, target_type: str, target_id: int) -> bool:
    row = _row(session, user_id, target_type, target_id)
    return bool(row and row.is_active)


def followers(session: Session, target_type: str, target_ids) -> list[int]:
    """Who actively follows any of the targets (each once)."""
    ids = list(target_ids)
    if not ids:
        return []
    return list(dict.fromkeys(session.scalars(
        select(Follow.user_id).where(Follow.target_type == target_type, Follow.target_id.in_(ids),
                                     Follow.is_active.is_(True)).order_by(Follow.user_id))))


def following(session: Session, user_id: int) -> dict[str, list]:
    """What ``user_id`` follows: ``{"question": [(id, title)], "tag": [(id, name)], "user": [(id, name)]}``;
    questions only while the user may still see them."""
    from app.forum import access
    from app.forum.models import Question, Tag

    rows = list(session.scalars(select(Follow).where(Follow.user_id == user_id, Follow.is_active.is_(True))
                                .order_by(Follow.id.desc())))
    ids = {t: [r.target_id for r in rows if r.target_type == t] for t in TARGETS}
    viewer = session.get(User, user_id)
    questions = [q for q in session.scalars(select(Question).where(Question.id.in_(ids["question"])))
                 if access.can_view(q, viewer)] if ids["question"] else []
    tags = list(session.execute(select(Tag.id, Tag.name).where(Tag.id.in_(ids["tag"])).order_by(Tag.name))) \
        if ids["tag"] else []
    users = list(session.execute(select(User.id, User.display_name).where(User.id.in_(ids["user"]))
                                 .order_by(User.display_name))) if ids["user"] else []
    return {"question": [(q.id, q.title) for q in questions], "tag": [tuple(t) for t in tags],
            "user": [tuple(u) for u in users]}


def tag_ids_by_name(session: Session, names) -> dict[str, int]:
    from app.forum.models import Tag

    names = [n for n in names if n]
    return {n: i for n, i in session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names)))} if names else {}


def set_followed_tags(session: Session, user, names: list[str], *, by) -> list[str]:
    """Follow exactly these tags (by name); Invalid naming the first unknown tag."""
    found = tag_ids_by_name(session, names)
    missing = [n for n in names if n not in found]
    if missing:
        raise Invalid(errors={"tags": _l("Unknown tag: %(t)s", t=missing[0][:40])})
    current = {tid for tid, _name in following(session, user.id)["tag"]}
    for tid in current - set(found.values()):
        unfollow(session, user, "tag", tid, by=by)
    for tid in set(found.values()) - current:
        follow(session, user, "tag", tid, by=by)
    return sorted(found)


# --- mentions ---------------------------------------------------------------------------------

_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_MENTION = re.compile(r"(?<![\w@.])@([\w.-]{3,64})", re.UNICODE)


def mentioned_names(markdown: str) -> list[str]:
    """``@username``s in a post's source, outside code, in order, each once."""
    text = _CODE.sub(" ", markdown or "")
    return list(dict.fromkeys(m.group(1).rstrip(".-").lower() for m in _MENTION.finditer(text)))


def new_mentions(session: Session, post_type: str, post_id: int, markdown: str) -> list[int]:
    """Users newly mentioned in this post (recorded now, so an edit tells only new ones)."""
    names = mentioned_names(markdown)[:20]  # a post naming the whole staff is not a broadcast tool
    if not names:
        return []
    users = list(session.scalars(select(User.id).where(func.lower(User.username).in_(names))))
    told = set(session.scalars(select(Mention.user_id).where(Mention.post_type == post_type,
                                                             Mention.post_id == post_id)))
    fresh = [uid for uid in users if uid not in told]
    for uid in fresh:
        session.add(Mention(post_type=post_type, post_id=post_id, user_id=uid))
    if fresh:
        session.flush()
    return fresh
