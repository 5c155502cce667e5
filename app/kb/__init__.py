"""The knowledge base (issue 9): accepted answers become canonical, versioned, owned articles
in a tree of categories, following Knowledge-Centered Service (KCS v6).

``models`` (one module per aggregate), ``access`` (who may read, edit, publish, promote),
``services`` (verb_noun functions), ``queries`` (view models), ``routes`` (/kb pages),
``handlers`` (forum signals: source changes), ``panels`` (forum page slots),
``search_source`` (articles in search), ``cli`` (``flask kb ...``), ``tree`` (pure), ``demo``.
The forum imports nothing from here. See docs/kb.md.
"""

DAY = 24 * 3600


def connect(app) -> None:
    """Wire the knowledge base into ``app`` (idempotent, no I/O): its settings' defaults,
    forum signal receivers, page slots, the article search source, notification subjects,
    the daily review sweep and the ``flask kb`` commands."""
    from app.jobs import register_periodic
    from app.kb import cli, handlers, panels, search_source
    from app.kb.services.common import DEFAULTS
    from app.kb.services.review import review_due_job
    from app.notifications import subjects

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    handlers.connect_handlers()
    panels.register()
    search_source.register()
    subjects.register("article", panels.article_subjects, audience=panels.article_audience)
    register_periodic("kb.review_due", DAY, review_due_job)
    app.cli.add_command(cli.kb_cli)
    from app.kb.urls import article_url

    app.add_template_global(article_url, "article_url")
