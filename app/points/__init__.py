"""Points: an append-only ledger of rewards for forum activity (DESIGN.md convention 8).

``rules`` (pure table and planner), ``models`` (PointsEntry), ``ledger`` (writes and the
cached total), ``handlers`` (forum signal receivers), ``queries`` (read side), ``cli``.
"""


def connect(app) -> None:
    """Listen to the forum's signals (idempotent)."""
    from app.points import panels, privileges
    from app.points.handlers import connect_handlers

    connect_handlers()
    panels.register()
    privileges.register()
