"""flask-login wiring: session users and bearer-token users."""
from __future__ import annotations

from flask import request

from app.accounts.models import User
from app.accounts.services import user_for_token
from app.extensions import db, login_manager


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


@login_manager.request_loader
def _load_from_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(db.session, token.strip())


def bearer_token_sent() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")
