"""The JSON API under /api/v1 (contract: ../shared/API.md, described by /api/v1/openapi.json).

Routes are thin: authenticate, parse (``common``), call one service, serialize
(``serializers``); the unit of work (``app.db``) commits once the route returned. Errors are
raised as DomainErrors or HTTPExceptions and rendered as application/problem+json by ``app.errors``.
"""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


from app.api import auth  # noqa: E402

auth.install(bp)

from app.api import answers, comments, openapi, questions, users  # noqa: E402,F401
from app.api import points  # noqa: E402,F401
from app.api import badges  # noqa: E402,F401
from app.api import leaderboard  # noqa: E402,F401  (points leaderboards)
from app.api import search  # noqa: E402,F401
from app.api import experts, notifications  # noqa: E402,F401
from app.api import articles  # noqa: E402,F401  (knowledge base: articles, categories, review queue)
from app.api import bounties  # noqa: E402,F401  (issue 11: bounties)
