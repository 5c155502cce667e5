"""Knowledge-base models, one module per aggregate."""
from app.kb.models.article import (SECTIONS, STATUSES, Article, ArticleCategory, ArticleTag, ArticleTransition,
                                   ArticleVersion, Status)
from app.kb.models.category import AUDIENCES, Category
from app.kb.models.provenance import CREDIT_ROLES, ArticleCredit, ArticleSource
from app.kb.models.feedback import FLAG_REASONS, ArticleDailyViews, ArticleFeedback, ArticleFlag, ReuseLink

__all__ = ["AUDIENCES", "CREDIT_ROLES", "FLAG_REASONS", "SECTIONS", "STATUSES", "Article", "ArticleCategory",
           "ArticleCredit", "ArticleDailyViews", "ArticleFeedback", "ArticleFlag", "ArticleSource", "ArticleTag",
           "ArticleTransition", "ArticleVersion", "Category", "ReuseLink", "Status"]
