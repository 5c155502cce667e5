"""Configuration classes. This is the only module that reads os.environ."""
from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-insecure-change-me"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Config:
    SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'forum.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = _env("REDIS_URL")
    MEILI_URL = _env("MEILI_URL")
    MEILI_KEY = _env("MEILI_KEY")
    # "embedded" unless a Meilisearch server is configured.
    SEARCH_BACKEND = _env("SEARCH_BACKEND", "meilisearch" if _env("MEILI_URL") else "embedded")
    MEILI_INDEX = _env("MEILI_INDEX", "qaforum")
    # Seconds. A search waits at most MEILI_TIMEOUT (after MEILI_CONNECT_TIMEOUT to connect)
    # before it answers 503; index jobs wait up to MEILI_TASK_TIMEOUT for a task to finish.
    MEILI_CONNECT_TIMEOUT = float(_env("MEILI_CONNECT_TIMEOUT", "1"))
    MEILI_TIMEOUT = float(_env("MEILI_TIMEOUT", "3"))
    MEILI_TASK_TIMEOUT = float(_env("MEILI_TASK_TIMEOUT", "10"))
    # The embedded engine's own SQLite file. Unset: beside a SQLite forum database
    # (instance/forum.db -> instance/forum.search.db, so every database has its own index),
    # else instance/search.db; ":memory:" is a private temporary file.
    SEARCH_DB_PATH = _env("SEARCH_DB_PATH")
    # Where jieba caches its dictionary (unset: the instance folder).
    SEARCH_CACHE_DIR = _env("SEARCH_CACHE_DIR")

    LANGUAGES = ("en", "zh_CN")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    # Limits on user input; services enforce them and forms report them.
    MAX_TITLE_LENGTH = 200
    MIN_TITLE_LENGTH = 8
    MAX_BODY_LENGTH = 30_000
    MIN_BODY_LENGTH = 10
    MAX_COMMENT_LENGTH = 1_000
    MAX_TAGS = 5
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # whole request, bytes

    PER_PAGE = 20
    MAX_PER_PAGE = 100
    LOGIN_RATE_LIMIT = "10 per minute"
    # Writes per API client (app/api/auth.py; the same default). bench/bench_concurrency.py lifts it
    # so that it measures the server, not the limiter.
    API_WRITE_RATE_LIMIT = _env("API_WRITE_RATE_LIMIT", "120 per minute")
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", _env("REDIS_URL", "memory://"))
    RATELIMIT_HEADERS_ENABLED = True

    WTF_CSRF_TIME_LIMIT = None  # the session bounds the token's life
    REMEMBER_COOKIE_HTTPONLY = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"

    SOCKETIO_MESSAGE_QUEUE = _env("REDIS_URL")
    # Socket.IO admission (app/realtime/guard.py): seconds an Engine.IO session may stay
    # unauthenticated; unauthenticated sessions per client address; authenticated connections per
    # user and per address (a call centre behind one NAT address needs room). Per process.
    REALTIME_AUTH_WINDOW = float(_env("REALTIME_AUTH_WINDOW", "10"))
    REALTIME_MAX_PENDING_PER_ADDRESS = int(_env("REALTIME_MAX_PENDING_PER_ADDRESS", "20"))
    REALTIME_MAX_PER_USER = int(_env("REALTIME_MAX_PER_USER", "20"))
    REALTIME_MAX_PER_ADDRESS = int(_env("REALTIME_MAX_PER_ADDRESS", "1000"))
    SQL_ECHO = False

    # Routing (app/experts). How many experts one question notifies, a person's caps (open
    # routed questions not yet answered, notifications per UTC day), and how long a route
    # counts as open. The ranking weights themselves live in app/experts/ranking.py.
    EXPERTS_NOTIFY = int(_env("EXPERTS_NOTIFY", "3"))
    EXPERTS_MAX_OPEN_ROUTES = int(_env("EXPERTS_MAX_OPEN_ROUTES", "5"))
    EXPERTS_DAILY_NOTIFICATIONS = int(_env("EXPERTS_DAILY_NOTIFICATIONS", "10"))
    EXPERTS_OPEN_ROUTE_DAYS = int(_env("EXPERTS_OPEN_ROUTE_DAYS", "7"))
    # A bounty asks this many more people about its question (issue 11).
    EXPERTS_BOUNTY_EXTRA = int(_env("EXPERTS_BOUNTY_EXTRA", "3"))
    # Vote fraud scan: this many upvotes from one voter for one person within the window are reversed.
    FRAUD_WINDOW_DAYS = int(_env("FRAUD_WINDOW_DAYS", "7"))
    FRAUD_VOTE_THRESHOLD = int(_env("FRAUD_VOTE_THRESHOLD", "10"))
    # Content-versioned page blocks (app/cache): off renders every block; the time to live is only a
    # safety net (and bounds relative times such as "3 minutes ago"), the content version keeps them fresh.
    CACHE_ENABLED = _env("CACHE_ENABLED", "1") == "1"
    CACHE_TTL = float(_env("CACHE_TTL", "300"))
    # Without Redis, the cache every process on the host shares and a restarted one keeps
    # (app/cache/disk.py): "auto" puts the file beside the SQLite database (or in instance/ for
    # PostgreSQL), a path puts it there, "off" keeps each process's cache to itself.
    CACHE_FILE = _env("CACHE_FILE", "auto")
    CACHE_FILE_MAX_MB = int(_env("CACHE_FILE_MAX_MB", "256"))
    # Background work (routing, indexing, escalation, digests): "thread" runs it on a small
    # in-process pool after commit; "inline" runs it at once (tests, replay, CLI); "redis" puts it on
    # the durable queue (see JOBS_QUEUE below), the default when REDIS_URL is set.
    JOBS_MODE = _env("JOBS_MODE", "redis" if _env("REDIS_URL") else "thread")
    # Periodic sweeps (review dates, fraud scans, escalation, digests): each web process runs
    # them on an in-process scheduler started by its first request.
    SCHEDULER_ENABLED = _env("SCHEDULER_ENABLED", "1") == "1"

    # --- The live loop (app/notifications, app/realtime, app/experts/escalation.py, docs/live.md) --
    # Background work: "thread" (in-process pool, default), "inline" (tests, CLI), "redis" (a durable
    # RQ queue on REDIS_URL run by `flask jobs worker`; the default whenever REDIS_URL is set).
    JOBS_QUEUE = _env("JOBS_QUEUE", "qaforum")
    # Digests and quiet hours: the site's time zone for users who chose none; how often the digest
    # job looks for due digests (seconds). Mail: "outbox" (.eml files in MAIL_OUTBOX_DIR, default
    # instance/outbox) or "smtp" (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS=1).
    NOTIFICATIONS_TIMEZONE = _env("NOTIFICATIONS_TIMEZONE", "Asia/Shanghai")
    DIGEST_SWEEP_SECONDS = int(_env("DIGEST_SWEEP_SECONDS", "600"))
    MAIL_BACKEND = _env("MAIL_BACKEND", "outbox")
    MAIL_OUTBOX_DIR = _env("MAIL_OUTBOX_DIR")
    MAIL_FROM = _env("MAIL_FROM", "Knowledge forum <forum@localhost>")
    MAIL_BASE_URL = _env("MAIL_BASE_URL", "http://127.0.0.1:5000")  # links in mail when PUBLIC_URL is unset
    SMTP_HOST = _env("SMTP_HOST", "localhost")
    SMTP_PORT = int(_env("SMTP_PORT", "25"))
    SMTP_USER = _env("SMTP_USER")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    SMTP_STARTTLS = _env("SMTP_STARTTLS", "0") == "1"
    # Escalation of routed questions nobody answers: minutes after routing until the next candidates
    # are asked, and until the moderators (of the question's team, else of the site) are told; 0
    # skips a step. Per tag and per team, JSON: {"tags": {"loans": {"next": 10, "moderators": 30}},
    # "teams": {"cards": {"next": 15}}}; the most urgent matching rule wins.
    ESCALATION_NEXT_MINUTES = int(_env("ESCALATION_NEXT_MINUTES", "30"))
    ESCALATION_MODERATORS_MINUTES = int(_env("ESCALATION_MODERATORS_MINUTES", "120"))
    ESCALATION_POLICIES = json.loads(_env("ESCALATION_POLICIES", "{}"))
    ESCALATION_SWEEP_SECONDS = int(_env("ESCALATION_SWEEP_SECONDS", "60"))  # how often the sweep runs
    # Privileges earned by points (app/points/privileges.py): the points a non-moderator needs
    # for each action. JSON in POINTS_PRIVILEGES overrides some or all, e.g. {"vote_down": 50}.
    # Moderators and admins are never refused. Authors always edit and comment on their own posts.
    POINTS_PRIVILEGES = {"comment_everywhere": 50, "vote_down": 125, "retag": 500, "review_queues": 500,
                         "promote_article": 1000, "edit_others": 2000, "close_reopen": 3000,
                         **json.loads(_env("POINTS_PRIVILEGES", "{}"))}
    # Pages load the Socket.IO client (static/vendor, from npm) for logged-in users when it is there.
    LIVE_UPDATES = _env("LIVE_UPDATES", "1") == "1"

    # --- Sessions, login throttling, request guards, headers, public origin ------------------
    # (app/accounts/auth.py, app/accounts/throttle.py, app/security.py)
    # "Keep me logged in" lasts this long, and the user loader refuses any login (session or
    # remember-me cookie) older than this, whatever the browser kept.
    REMEMBER_COOKIE_DURATION = timedelta(days=int(_env("REMEMBER_DAYS", "30")))
    # Failed logins allowed in a sliding window before that way in is refused with 429; the
    # rules are in app/accounts/throttle.py. Per address counts browsers that have never
    # logged in to the account they try: a call centre behind one NAT keeps logging in.
    LOGIN_FAILURES_PER_IP = _env("LOGIN_FAILURES_PER_IP", "50 per 10 minutes")
    LOGIN_FAILURES_PER_ACCOUNT_IP = _env("LOGIN_FAILURES_PER_ACCOUNT_IP", "10 per 5 minutes")
    LOGIN_FAILURES_PER_ACCOUNT = _env("LOGIN_FAILURES_PER_ACCOUNT", "30 per 15 minutes")
    LOGIN_FAILURES_PER_DEVICE = _env("LOGIN_FAILURES_PER_DEVICE", "10 per 15 minutes")
    LOGIN_DEVICE_DAYS = int(_env("LOGIN_DEVICE_DAYS", "180"))  # life of the known-device cookie
    # Rate-limit storage down (Redis): count in this process's memory, with a logged warning,
    # rather than answer 500; a short timeout so a hung Redis does not hang every request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = ({"socket_connect_timeout": 1, "socket_timeout": 1}
                                 if RATELIMIT_STORAGE_URI.startswith(("redis", "rediss")) else {})
    # The origin absolute URLs use (API Location headers, links in mail), e.g.
    # https://qa.bank.example. Set, it also becomes SERVER_NAME and, unless TRUSTED_HOSTS is
    # given (comma-separated host names), the only Host accepted (others get 400).
    PUBLIC_URL = _env("PUBLIC_URL")
    TRUSTED_HOSTS = [h.strip() for h in _env("TRUSTED_HOSTS", "").split(",") if h.strip()] or None
    # Image sources allowed by the Content-Security-Policy besides this site and data: URIs
    # (space-separated, e.g. "https://i.stack.imgur.com" for imported posts). Default: none, so
    # an image in a post cannot tell an outside server who reads it.
    CSP_IMG_SOURCES = _env("CSP_IMG_SOURCES", "")
    HSTS_MAX_AGE = int(_env("HSTS_MAX_AGE", "31536000"))  # production only (app/security.py)


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SOCKETIO_MESSAGE_QUEUE = None
    SERVER_NAME = "localhost"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing for the suite only
    JOBS_MODE = "inline"
    SCHEDULER_ENABLED = False
    CACHE_FILE = "off"  # each test app its own cache; tests/integration/test_disk_cache.py turns it on
    NOTIFICATIONS_TIMEZONE = "UTC"
    LIVE_UPDATES = True


class ProductionConfig(Config):
    IS_PRODUCTION = True
    SESSION_COOKIE_SECURE = _env("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by FORUM_ENV (default development)."""
    return CONFIGS[_env("FORUM_ENV", "development")]
