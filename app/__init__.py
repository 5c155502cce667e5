"""Application factory. It only wires: no network, no migrations, no prompts."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.flaskapp import ForumFlask
from config import DEFAULT_SECRET_KEY, Config, config_from_env


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    app = ForumFlask(__name__, static_folder="../static", static_url_path="/static")
    app.config.from_object(config or config_from_env())
    app.config.update(overrides)
    if app.config.get("IS_PRODUCTION"):
        if app.config["SECRET_KEY"] in (None, "", DEFAULT_SECRET_KEY):
            raise RuntimeError("Set SECRET_KEY: production refuses to start with the default key.")

    _init_extensions(app)
    _connect_domains(app)
    _register_blueprints(app)
    _register_hooks(app)

    from app.errors import register_error_handlers
    register_error_handlers(app)

    from app.cli import register_cli
    register_cli(app)

    from app.templating import register_template_helpers
    register_template_helpers(app)
    return app


def _init_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.db import sqlite, wants_write
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
    from app.i18n import install_fast_gettext, select_locale
    # Before socketio.init_app: handlers declared while no server exists are kept by the
    # extension and bound to every app's server (a later import binds to one server only).
    from app.realtime import events  # noqa: F401

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    db.init_app(app)
    with app.app_context():
        sqlite.configure(db.engine, wants_write)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # Flask-Login's default message is English only: flash the forum's translated one.
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.localize_callback = str
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_fast_gettext(app)
    limiter.init_app(app)
    # Default CORS policy: same origin only, so another site cannot ride a user's cookie.
    from app.realtime import socketio_options
    socketio.init_app(app, **socketio_options(app))

    from app import web
    web.init_app(app)  # before the blueprints: their rules use its <id:...> converter
    from app import assets
    assets.init_app(app)  # fingerprinted static URLs, cached for a year

    from app import cache
    cache.init_app(app)  # content-versioned fragments (no I/O until the first page asks)

    import app.models  # noqa: F401  (all tables on the metadata; rebinds the name "app")
    from app.accounts import auth  # noqa: F401  (registers the user and request loaders)


# Domains that listen to the forum's signals, fill page slots or deliver notifications. Each
# has ``connect(app)``, idempotent (signal receivers are module-level and connected strongly).
LISTENING_DOMAINS = ("points", "experts", "search", "notifications", "realtime", "kb")


def _connect_domains(app: Flask) -> None:
    import importlib

    for name in LISTENING_DOMAINS:
        importlib.import_module(f"app.{name}").connect(app)


def _register_blueprints(app: Flask) -> None:
    from app.accounts.routes import bp as accounts_bp
    from app.admin.routes import bp as admin_bp
    from app.api import bp as api_bp
    from app.experts.routes import bp as experts_bp
    from app.forum.routes import bp as forum_bp
    from app.notifications.routes import bp as notifications_bp
    from app.kb.routes import bp as kb_bp
    from app.points.routes import bp as points_bp
    from app.search.routes import bp as search_bp
    from app.points.badge_routes import bp as badges_bp
    from app.points.bounty_routes import bp as bounties_bp
    from app.points.fraud_routes import bp as fraud_bp

    app.register_blueprint(forum_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(experts_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(kb_bp)
    app.register_blueprint(points_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(bounties_bp)
    app.register_blueprint(fraud_bp)


def _register_hooks(app: Flask) -> None:
    from app import db

    from app import security
    security.init_app(app)  # request guards, security headers, public origin (app/security.py)
    # Last: every view registered above becomes one unit of work.
    db.init_app(app)
