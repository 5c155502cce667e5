"""Forum models, one module per aggregate."""
from app.forum.models.answer import Answer
from app.forum.models.comment import Comment
from app.forum.models.question import Question, QuestionTag, Tag, Visibility
from app.forum.models.revision import Revision
from app.forum.models.vote import Vote

__all__ = ["Answer", "Comment", "Question", "QuestionTag", "Revision", "Tag", "Visibility", "Vote"]
