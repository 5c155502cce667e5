"""Forum services (verb_noun functions). They take ``by=`` the acting user, never commit,
send the domain signals and raise DomainErrors."""
from app.forum.services.answers import accept_answer, edit_answer, post_answer, unaccept_answer
from app.forum.services.comments import delete_comment, post_comment
from app.forum.services.moderation import (close_question, delete_post, mark_duplicate, reopen_question,
                                           undelete_post)
from app.forum.services.questions import ask_question, edit_question, record_view
from app.forum.services.votes import set_vote

__all__ = [
    "accept_answer", "ask_question", "close_question", "delete_comment", "delete_post", "edit_answer",
    "edit_question", "mark_duplicate", "post_answer", "post_comment", "record_view", "reopen_question",
    "set_vote", "unaccept_answer", "undelete_post",
]
