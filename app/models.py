"""Imports every model so that metadata (and Alembic autogenerate) sees all tables."""
from app.accounts.models import ApiToken, Team, TeamMembership, User  # noqa: F401
from app.forum.models import Answer, Comment, Question, QuestionTag, Revision, Tag, Vote  # noqa: F401
from app.points.models import PointsEntry, PointsRuleVersion  # noqa: F401
from app.search.models import SearchLog, Synonym  # noqa: F401
from app.experts.models import ExpertiseEvent, ExpertProfile, ExpertTag, RoutingCandidate, RoutingDecision  # noqa: F401
from app.notifications.models import Notification  # noqa: F401
from app.experts.escalation import EscalationStep, EscalationWatch  # noqa: F401
from app.cache.models import content_version  # noqa: F401
import app.kb.models  # noqa: F401,E402  (the knowledge base: articles, versions, categories, feedback ...)
from app.points.badge_models import BadgeAward  # noqa: F401
from app.points.bounty_models import Bounty, FraudCase, VoteOrigin  # noqa: F401  (issue 11: bounties, fraud checks)
