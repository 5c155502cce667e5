"""Domain events of the forum. Other domains (points, experts, search, realtime, kb)
subscribe; the forum imports none of them.

Receivers run inside the sender's transaction: a receiver that writes (points) commits
or fails with the action. A receiver with outside effects (search, Socket.IO) must queue
them with ``app.db.after_commit``. Every signal is sent with the affected object as
sender and ``by`` (the acting ``User``) as a keyword argument.
"""
from blinker import Namespace

_forum = Namespace()

question_asked = _forum.signal("question-asked", doc="""sender: Question; by: User (the asker).""")
question_edited = _forum.signal(
    "question-edited",
    doc="""sender: Question; by: User; revision: Revision; changed: set of field names
    among {"title", "body", "tags", "visibility", "team"}.""",
)
question_closed = _forum.signal(
    "question-closed", doc="""sender: Question; by: User; reason: str; duplicate_of: Question | None.""")
question_reopened = _forum.signal("question-reopened", doc="""sender: Question; by: User.""")
answer_posted = _forum.signal("answer-posted", doc="""sender: Answer; by: User (the answerer).""")
answer_edited = _forum.signal("answer-edited", doc="""sender: Answer; by: User; revision: Revision.""")
answer_accepted = _forum.signal(
    "answer-accepted",
    doc="""sender: Answer (now accepted); by: User; previous: Answer | None (the answer it replaced,
    for which answer_unaccepted was sent just before).""",
)
answer_unaccepted = _forum.signal("answer-unaccepted", doc="""sender: Answer (no longer accepted); by: User.""")
vote_cast = _forum.signal(
    "vote-cast",
    doc="""sender: Question | Answer (the post voted on); by: User (the voter); value: +1 | -1;
    previous: 0 | +1 | -1 (the voter's vote before; a changed vote sends previous=-value).""",
)
vote_retracted = _forum.signal(
    "vote-retracted", doc="""sender: Question | Answer; by: User; previous: +1 | -1 (the retracted vote).""")
comment_posted = _forum.signal("comment-posted", doc="""sender: Comment; by: User; post: Question | Answer.""")
post_deleted = _forum.signal("post-deleted", doc="""sender: Question | Answer (soft-deleted); by: User.""")
post_undeleted = _forum.signal("post-undeleted", doc="""sender: Question | Answer (restored); by: User.""")

# --- accounts -------------------------------------------------------------------------------
# Sent by app.accounts.services inside the caller's transaction; realtime disconnects the
# affected sockets after commit.
_accounts = Namespace()

token_revoked = _accounts.signal("token-revoked", doc="""sender: ApiToken (just revoked); by: User.""")
sessions_ended = _accounts.signal(
    "sessions-ended",
    doc="""sender: User whose sessions were ended (logout, password change, deactivation); by: User | None.
    Every browser session, remember-me cookie and socket opened before this point is no longer valid.""")

# --- knowledge base -----------------------------------------------------------------------
# Sent by app.kb.services inside the caller's transaction; points and notifications listen.
_kb = Namespace()

article_published = _kb.signal(
    "article-published",
    doc="""sender: Article; by: User (who published); version: int (the version now published);
    first: bool (the article's first publication); answer_authors: list[int] (authors of the
    source answers credited on the article, rewarded once, at the first publication);
    fixer_id: int | None (the editor of a fix that was published, not its first publication);
    question_id: int | None (the article's first source question: points earned on the article name
    it, so they are as private as their source).""")
article_feedback = _kb.signal(
    "article-feedback",
    doc="""sender: Article; by: User | None (None: an anonymous visitor); helpful: bool;
    credited: list[int] (the article's credited authors); feedback_id: int; question_id: int | None
    (as for article_published).""")
article_reused = _kb.signal(
    "article-reused",
    doc="""sender: Article; by: User (who linked it); question_id: int (the question it answered).""")
article_flagged = _kb.signal(
    "article-flagged", doc="""sender: Article; by: User; reason: str (outdated | incorrect | unclear | duplicate).""")
article_needs_review = _kb.signal(
    "article-needs-review",
    doc="""sender: Article (moved to needs_review); by: User | None (None: a job); reason: str
    (expired | flagged | source_changed | unhelpful).""")

# --- points -------------------------------------------------------------------------------
_points = Namespace()

badge_awarded = _points.signal(
    "badge-awarded",
    doc="""sender: User (who earned it); badge: str (the badge's code); award: the award row (its
    id, tag for a tag badge, and awarded_at). Sent once per award, inside the awarding transaction;
    the notifications domain turns it into a notification.""")
bounty_offered = _points.signal(
    "bounty-offered",
    doc="""sender: Bounty (just offered, flushed); by: User (the offerer); question: Question. Sent inside
    the offering transaction; the experts domain asks more people about the question.""")
