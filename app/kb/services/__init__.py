"""Knowledge-base services (verb_noun functions; they take ``by=``, never commit).

Modules: ``common`` (loading, versions, log), ``workflow`` (statuses), ``articles`` (saves,
restore), ``promote`` (capture from answers), ``categories`` (the tree), ``feedback``
(helpful votes, flags, reuse links), ``review`` (review dates, source changes), ``stats``
(views, popularity).
"""
from app.kb.services.articles import Changes, create_article, restore_version, save_article
from app.kb.services.categories import (create_category, delete_category, move_category, shift_category,
                                        update_category)
from app.kb.services.feedback import flag_article, link_article, record_feedback, resolve_flag, unlink_article
from app.kb.services.promote import AlreadyPromoted, add_answer_to_article, promote_answers
from app.kb.services.review import review_due, source_changed
from app.kb.services.workflow import allowed_moves, publish, transition

__all__ = ["AlreadyPromoted", "Changes", "add_answer_to_article", "allowed_moves", "create_article",
           "create_category", "delete_category", "flag_article", "link_article", "move_category", "promote_answers",
           "publish", "record_feedback", "resolve_flag", "restore_version", "review_due", "save_article",
           "shift_category", "source_changed", "transition", "unlink_article", "update_category"]
