"""Read side of accounts: what the settings pages show."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, User


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, live ones first, newest first."""
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())))
