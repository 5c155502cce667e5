"""Expertise graph and question routing: who should answer this, and why (DESIGN.md)."""


def connect(app) -> None:
    """Listen to the forum's signals and fill the forum pages' slots (idempotent)."""
    from app.experts import handlers, panels

    handlers.connect_handlers()
    panels.register()
