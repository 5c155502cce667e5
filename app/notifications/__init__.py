"""Notifications: stored first (so nothing is lost), then handed to the deliverers after commit.

Any domain creates them with :func:`services.notify` (the rules: not the actor, not about a solved
question, only readers who may see the subject, as each reader chose); ``realtime`` delivers them
live, ``digests`` by mail. A client that was offline catches up with
``GET /api/v1/notifications?after=<last id>``. Kinds are open (:mod:`app.notifications.kinds`).

Pages: the inbox (``/notifications``), the settings (``/settings/notifications``), unsubscribe
links, follow buttons. Slots this domain fills: ``header`` (the bell), ``question.aside`` and
``user.sections`` (follow). Slot it offers: ``notifications.waiting`` (keyed by question id,
see ``viewmodels.inbox``).
"""


def connect(app) -> None:
    """Kinds, subject resolvers, signal receivers, panels and the digest job (idempotent)."""
    from app.jobs import register_periodic
    from app.notifications import digests, kinds, panels, receivers, subjects

    kinds.register_builtin()
    subjects.register("question", subjects.questions, audience=subjects.question_audience)
    receivers.connect_receivers()
    panels.register()
    register_periodic("notifications.digests", 600.0, digests.digest_job, setting="DIGEST_SWEEP_SECONDS")
