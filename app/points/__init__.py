"""Points: an append-only ledger of rewards for forum activity (DESIGN.md convention 8).

``rules`` (pure table and planner), ``ruleset`` (the versioned amounts admins edit),
``models`` (PointsEntry, PointsRuleVersion), ``ledger`` (writes and the cached total),
``handlers`` (forum and knowledge-base signal receivers), ``queries`` (read side), ``manual``
(admins' awards), ``cli``, ``routes`` (history, admin rules) and ``board_routes``
(leaderboards, privileges). Issue 11 added ``badges`` (pure table) with ``badge_*``,
``privileges`` (the checker behind ``app.privileges``), ``leaderboard``, and ``bounties`` and
``fraud`` with their models in ``bounty_models``, pages in ``bounty_routes``/``fraud_routes`` and
commands in ``bounty_cli``.
"""

DAY = 24 * 3600

DEFAULTS = {"FRAUD_WINDOW_DAYS": 7, "FRAUD_VOTE_THRESHOLD": 10}


def connect(app) -> None:
    """Listen to the forum's signals (idempotent)."""
    from app import signals
    from app.jobs import register_periodic
    from app.points import bounties, bounty_panels, fraud, panels, privileges
    from app.points.bounty_cli import add_commands
    from app.points.handlers import connect_handlers
    from app.points import badge_handlers, badge_panels

    connect_handlers()
    badge_handlers.connect_handlers()
    panels.register()
    badge_panels.register()
    bounty_panels.register()
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    signals.answer_accepted.connect(bounties.on_answer_accepted, weak=False)
    signals.vote_cast.connect(fraud.on_vote_cast, weak=False)
    # Hourly: a bounty's week ends at any time of day, and a sweep with nothing due is one indexed read.
    register_periodic("points.expire_bounties", 3600.0, bounties.expire_job, setting="BOUNTY_SWEEP_SECONDS")
    register_periodic("points.fraud_scan", DAY, fraud.scan_job)
    add_commands()
    privileges.register()
