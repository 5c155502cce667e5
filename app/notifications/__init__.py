"""Notifications: stored first (so nothing is lost), then handed to the notifier after commit.

Any domain creates them with :func:`services.notify`; ``realtime`` delivers them live. A client
that was offline catches up with ``GET /api/v1/notifications?after=<last id>``.
"""


def connect(app) -> None:
    """Put the bell in every page's header (idempotent)."""
    from app.notifications import panels, subjects

    panels.register()
    subjects.register("question", subjects.questions)
