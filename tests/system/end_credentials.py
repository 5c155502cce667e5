"""End a credential from outside the servers, as the accounts service will (system tests).

    python -m tests.system.end_credentials token <ApiToken id>
    python -m tests.system.end_credentials sessions <User id>

Runs in its own process with the servers' DATABASE_URL and REDIS_URL: it marks the token
revoked (or only ends the user's sessions), sends the accounts signal inside the transaction the
way ``app.accounts.services`` does, and commits. Realtime's receivers then disconnect the
sockets, which live in other processes, through the Redis message queue. Until create_app calls
every domain's ``connect()``, this process connects realtime's receivers itself.
"""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from app import create_app, signals
    from app.accounts.models import ApiToken, User
    from app.db import transactional, utcnow
    from app.extensions import db

    kind, ident = argv[0], int(argv[1])
    app = create_app()

    @transactional(write=True)
    def end() -> None:
        if kind == "token":
            token = db.session.get(ApiToken, ident)
            token.revoked_at = utcnow()
            signals.token_revoked.send(token, by=token.user)
        elif kind == "sessions":
            user = db.session.get(User, ident)
            signals.sessions_ended.send(user, by=user)
        else:
            raise SystemExit(f"unknown credential kind {kind!r}")

    with app.app_context():
        end()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
