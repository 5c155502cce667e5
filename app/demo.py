"""Demo data for ``make run``: written by this project, in Chinese and English."""
from sqlalchemy import func, select

from app.accounts.models import User


def seed_demo(session, admin_password: str) -> bool:
    if session.scalar(select(func.count(User.id))):
        return False
    from app.accounts.services import create_user
    create_user(session, "admin", admin_password, role="admin", display_name="Admin")
    return True
