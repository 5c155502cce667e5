"""/comments/<id>: read and delete one comment (they are created under their post)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.api import bp
from app.api.common import require_login, viewer
from app.api.serializers import comment_json
from app.errors import NotFound
from app.extensions import db
from app.forum import services
from app.forum.models import Answer, Comment, Question
from app.forum.services.answers import require_visible_answer
from app.forum.services.common import require_visible


def visible_comment(comment_id: int, user) -> Comment:
    """A live comment whose post ``user`` may see, else NotFound (hidden posts do not leak)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.is_deleted:
        raise NotFound(_l("No such comment."))
    if comment.question_id is not None:
        require_visible(db.session.get(Question, comment.question_id), user)
    else:
        require_visible_answer(db.session.get(Answer, comment.answer_id), user)
    return comment


@bp.get("/comments/<id:comment_id>")
def get_comment(comment_id: int):
    return comment_json(visible_comment(comment_id, viewer()))


@bp.delete("/comments/<id:comment_id>")
def delete_comment(comment_id: int):
    by = require_login()
    services.delete_comment(db.session, visible_comment(comment_id, by), by=by)
    return "", 204
