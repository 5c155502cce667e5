"""The points rules: a pure table of amounts and a planner from forum events to ledger work.

No Flask app and no database here (``lazy_gettext`` labels resolve only when rendered), so
every rule is unit-tested on plain values. The ledger (``app.points.ledger``) carries out a
:class:`Plan`; the handlers (``app.points.handlers``) turn blinker signals into events.

Idempotency keys. Every entry a rule can produce has a *stem* naming the fact it rewards,
e.g. ``vote:a12:u5:up`` ("user 5's upvote on answer 12"). The stem never contains an amount
or a recipient, only the fact, so the ledger can find and reverse it whatever happened in
between. The ledger turns a stem into a unique key by adding a generation (see
``app.points.ledger``), because the same fact may be rewarded, reversed and rewarded again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

#: Most points a user can earn from upvotes in one UTC day, as on Stack Overflow: it keeps a
#: viral thread (or a voting ring) from dwarfing steady expertise. Accepts are not capped.
DAILY_UPVOTE_CAP = 200


@dataclass(frozen=True)
class Rule:
    code: str          # stored in PointsEntry.reason (short, stable: never rename)
    amount: int
    label: object      # lazy translated text for display
    capped: bool       # counts toward (and is limited by) DAILY_UPVOTE_CAP
    why: str


QUESTION_UPVOTED = Rule(
    "question_upvoted", 5, _l("Question upvoted"), True,
    "A clear question that others also hit is worth rewarding, but less than solving it.")
ANSWER_UPVOTED = Rule(
    "answer_upvoted", 10, _l("Answer upvoted"), True,
    "Answers are the knowledge the forum exists to keep; they earn twice a question's upvote.")
QUESTION_DOWNVOTED = Rule(
    "question_downvoted", -2, _l("Question downvoted"), False,
    "A small loss: enough to signal low quality, too small to make asking feel risky.")
ANSWER_DOWNVOTED = Rule(
    "answer_downvoted", -2, _l("Answer downvoted"), False,
    "Same small loss as for questions; wrong answers are corrected by better ones.")
DOWNVOTE_CAST = Rule(
    "downvote_cast", -1, _l("Downvoted an answer"), False,
    "Downvoting an answer costs the voter a point, so downvotes are spent on real problems "
    "and not used to push a competing answer down.")
ANSWER_ACCEPTED = Rule(
    "answer_accepted", 15, _l("Answer accepted"), False,
    "The asker (or a moderator) confirmed it solved the problem: the strongest signal of "
    "expertise, not capped.")
ACCEPTED_ANSWER = Rule(
    "accepted_answer", 2, _l("Accepted an answer"), False,
    "Rewards askers for closing the loop, which is what lets the answer become an article. "
    "Only the asker earns it, and never for accepting their own answer.")

# The knowledge base (KCS): capture, reuse and fixes are rewarded, so agents care about articles.
ARTICLE_PUBLISHED = Rule(
    "article_published", 25, _l("Answer published as an article"), False,
    "An answer good enough to become canonical knowledge is worth more than an accept; paid once "
    "per source answer's author, at the article's first publication.")
ARTICLE_HELPFUL = Rule(
    "article_helpful", 1, _l("Article found helpful"), True,
    "Each reader's 'helpful' is a small reward to the article's credited authors; it shares the "
    "daily cap with upvotes, so a stuffed article cannot mint points.")
ARTICLE_FIXED = Rule(
    "article_fixed", 2, _l("Fix to an article published"), False,
    "'Flag it or fix it': a fix that passes review is rewarded, a little, per published version.")

# Bounties and fraud reversals move amounts decided elsewhere (the offer, the reversed entry),
# so their table amount is the sign only: +1 or -1 times the variable amount.
BOUNTY_OFFERED = Rule(
    "bounty_offered", -1, _l("Offered a bounty"), False,
    "The offerer pays the bounty up front, so it cannot be promised twice or spent meanwhile.")
BOUNTY_AWARDED = Rule(
    "bounty_awarded", 1, _l("Bounty awarded"), False,
    "The whole bounty goes to the answer that solved it; not capped, it was paid for.")
BOUNTY_REFUND = Rule(
    "bounty_refund", 1, _l("Bounty expired: half refunded"), False,
    "Half comes back when nobody earned it: offering stays a real cost, so bounties are not "
    "thrown on every question to buy attention for free.")
FRAUD_REVERSAL = Rule(
    "fraud_reversal", -1, _l("Reversed: suspected vote fraud"), False,
    "Votes from one account that kept upvoting the same person, or from a shared device or "
    "network, are taken back; the original entry stays and this one cancels it.")

RULES: dict[str, Rule] = {r.code: r for r in (
    QUESTION_UPVOTED, ANSWER_UPVOTED, QUESTION_DOWNVOTED, ANSWER_DOWNVOTED, DOWNVOTE_CAST,
    ANSWER_ACCEPTED, ACCEPTED_ANSWER, ARTICLE_PUBLISHED, ARTICLE_HELPFUL, ARTICLE_FIXED,
    BOUNTY_OFFERED, BOUNTY_AWARDED, BOUNTY_REFUND, FRAUD_REVERSAL)}

#: Bounty limits: the smallest offer, how long it runs, and what an unawarded one returns.
BOUNTY_MIN = 50
BOUNTY_DAYS = 7
#: Upvote reasons the fraud scan looks at (downvotes cost the target, they are no gift).
UPVOTE_REASONS = (QUESTION_UPVOTED.code, ANSWER_UPVOTED.code)


#: The rules whose amount and cap flag admins may change (app.points.ruleset keeps the
#: versions). Listed explicitly: a rule with a variable amount (set per event) must never be
#: overridden by a stored amount, so a new rule is editable only once it is added here.
EDITABLE: tuple[str, ...] = tuple(r.code for r in (
    QUESTION_UPVOTED, ANSWER_UPVOTED, QUESTION_DOWNVOTED, ANSWER_DOWNVOTED, DOWNVOTE_CAST,
    ANSWER_ACCEPTED, ACCEPTED_ANSWER))

#: Reason code of an admin's manual award or deduction. Not a Rule: its amount is typed per
#: award and it is never capped; the admin's reason text is kept in ``PointsEntry.note``.
MANUAL = "manual"
MANUAL_LABEL = _l("Manual adjustment by an administrator")
#: Largest manual award or deduction in one entry: a typo must not mint a fortune.
MANUAL_LIMIT = 1000


def label(reason: str):
    """Display text for a reason code (the code itself for an unknown one)."""
    if reason == MANUAL:
        return MANUAL_LABEL
    rule = RULES.get(reason)
    return rule.label if rule else reason


# --- values the planner works on ------------------------------------------------------------

@dataclass(frozen=True)
class Post:
    """What the rules need to know about a question or an answer."""
    kind: str                 # "question" | "answer"
    id: int
    question_id: int          # the question itself for a question
    author_id: int | None     # None: the author's account is gone or the post was imported without one

    @property
    def answer_id(self) -> int | None:
        return self.id if self.kind == "answer" else None

    @property
    def token(self) -> str:
        return ("q" if self.kind == "question" else "a") + str(self.id)


@dataclass(frozen=True)
class Award:
    """One entry to write: ``amount`` points to ``user_id`` for ``reason``, keyed by ``stem``."""
    user_id: int
    amount: int
    reason: str
    stem: str
    question_id: int | None
    answer_id: int | None
    actor_id: int | None

    @property
    def capped(self) -> bool:
        return RULES[self.reason].capped


@dataclass(frozen=True)
class Plan:
    """Ledger work for one event, carried out in this order:

    1. ``reverse_post``: reverse every live entry earned on that post;
    2. ``reverse``: reverse the live entry of each stem (a stem with none is skipped);
    3. ``award``: award each entry (a stem that is already live is skipped).
    """
    reverse: tuple[str, ...] = ()
    award: tuple[Award, ...] = ()
    reverse_post: Post | None = None

    def __bool__(self) -> bool:
        return bool(self.reverse or self.award or self.reverse_post)


# --- events -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class VoteCast:
    post: Post
    voter_id: int
    value: int        # +1 | -1
    previous: int     # 0 | +1 | -1


@dataclass(frozen=True)
class VoteRetracted:
    post: Post
    voter_id: int
    previous: int     # +1 | -1


@dataclass(frozen=True)
class AnswerAccepted:
    """``withdraw``: other answers of the question whose accept is still rewarded (the ledger
    found them; a concurrent accept can leave the signal's ``previous`` stale)."""
    answer: Post
    asker_id: int | None
    accepter_id: int
    previous: Post | None = None
    withdraw: tuple[Post, ...] = ()


@dataclass(frozen=True)
class AnswerUnaccepted:
    answer: Post


@dataclass(frozen=True)
class PostDeleted:
    post: Post
    by_id: int


@dataclass(frozen=True)
class PostRestored:
    """A post undeleted; ``votes`` are its standing (voter_id, value) pairs."""
    post: Post
    by_id: int
    votes: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    is_accepted: bool = False
    asker_id: int | None = None


@dataclass(frozen=True)
class ArticlePublished:
    """A knowledge-base article was published. ``question_id``: its first source question (the
    entries are as private as it); ``first``: its first publication; ``fixer_id``: the editor of
    a published fix (never for the first publication)."""
    article_id: int
    question_id: int | None
    version: int
    first: bool
    answer_authors: tuple[int, ...] = ()
    fixer_id: int | None = None
    publisher_id: int | None = None


@dataclass(frozen=True)
class ArticleFeedback:
    """A reader's helpful (or not) vote on an article; ``voter_id`` None for a visitor."""
    article_id: int
    question_id: int | None
    feedback_id: int
    helpful: bool
    credited: tuple[int, ...] = ()
    voter_id: int | None = None


# --- rules ----------------------------------------------------------------------------------

def vote_awards(post: Post, voter_id: int, value: int) -> list[Award]:
    """The entries a standing vote earns. Nothing for a self-vote or an author-less post
    (except the downvote's cost, which the voter always pays)."""
    if value not in (1, -1):
        return []
    base = f"vote:{post.token}:u{voter_id}"
    out: list[Award] = []
    has_author = post.author_id is not None and post.author_id != voter_id
    if value == 1 and has_author:
        rule = QUESTION_UPVOTED if post.kind == "question" else ANSWER_UPVOTED
        out.append(_award(post, post.author_id, rule, f"{base}:up", voter_id))
    elif value == -1:
        if has_author:
            rule = QUESTION_DOWNVOTED if post.kind == "question" else ANSWER_DOWNVOTED
            out.append(_award(post, post.author_id, rule, f"{base}:down", voter_id))
        if post.kind == "answer" and post.author_id != voter_id:
            out.append(_award(post, voter_id, DOWNVOTE_CAST, f"{base}:down:cost", voter_id))
    return out


def vote_stems(post: Post, voter_id: int, value: int) -> list[str]:
    """Every stem a vote of ``value`` may have produced (for reversal; extra stems are no-ops)."""
    base = f"vote:{post.token}:u{voter_id}"
    if value == 1:
        return [f"{base}:up"]
    if value == -1:
        return [f"{base}:down", f"{base}:down:cost"]
    return []


def accept_awards(answer: Post, asker_id: int | None, accepter_id: int | None) -> list[Award]:
    """+15 to the answerer, +2 to the accepter when the accepter is the asker.

    Self-accept (the asker answered their own question) earns nobody anything, whoever
    accepts: otherwise asking and answering oneself would mint 17 points. A moderator's
    accept rewards the answerer only. ``accepter_id`` None: the accepter is unknown (a
    restored answer), so no accepter bonus.
    """
    if answer.author_id is None or answer.author_id == asker_id:
        return []
    out = [_award(answer, answer.author_id, ANSWER_ACCEPTED, accept_stems(answer)[0], accepter_id)]
    if accepter_id is not None and accepter_id == asker_id:
        out.append(_award(answer, accepter_id, ACCEPTED_ANSWER, accept_stems(answer)[1], accepter_id))
    return out


def accept_stems(answer: Post) -> list[str]:
    return [f"accept:{answer.token}", f"accept:{answer.token}:asker"]


def deletion_reverses(post: Post, by_id: int) -> bool:
    """A post deleted by someone other than its author (a moderator) loses what it earned.

    An author's own delete keeps it, so deleting a downvoted post cannot wash out its
    penalties (and a good post's points stay until a moderator decides otherwise).
    """
    return post.author_id != by_id


def plan(event) -> Plan:
    """The ledger work for one forum event (see :class:`Plan` for the order it runs in)."""
    if isinstance(event, VoteCast):
        return Plan(reverse=tuple(vote_stems(event.post, event.voter_id, event.previous)),
                    award=tuple(vote_awards(event.post, event.voter_id, event.value)))
    if isinstance(event, VoteRetracted):
        return Plan(reverse=tuple(vote_stems(event.post, event.voter_id, event.previous)))
    if isinstance(event, AnswerAccepted):
        # The service sends answer_unaccepted for ``previous`` first; reversing it here as
        # well keeps a switch correct even for a sender that does not. One accept per question.
        others = [p for p in (event.previous, *event.withdraw) if p is not None and p.id != event.answer.id]
        stale = tuple(dict.fromkeys(s for p in others for s in accept_stems(p)))
        return Plan(reverse=stale, award=tuple(accept_awards(event.answer, event.asker_id, event.accepter_id)))
    if isinstance(event, AnswerUnaccepted):
        return Plan(reverse=tuple(accept_stems(event.answer)))
    if isinstance(event, PostDeleted):
        return Plan(reverse_post=event.post) if deletion_reverses(event.post, event.by_id) else Plan()
    if isinstance(event, PostRestored):
        # Re-award from the post's current state (not by replaying old entries): votes or an
        # accept that changed while it was deleted are then counted as they stand now.
        awards = [a for voter, value in event.votes for a in vote_awards(event.post, voter, value)]
        if event.is_accepted and event.post.kind == "answer":
            awards += accept_awards(event.post, event.asker_id, None)
        return Plan(award=tuple(awards))
    if isinstance(event, ArticlePublished):
        return Plan(award=tuple(article_published_awards(event)))
    if isinstance(event, ArticleFeedback):
        stems = tuple(helpful_stem(event.feedback_id, uid) for uid in event.credited)
        if not event.helpful:
            return Plan(reverse=stems)
        return Plan(award=tuple(_article_award(event.article_id, event.question_id, uid, ARTICLE_HELPFUL,
                                               helpful_stem(event.feedback_id, uid), event.voter_id)
                                for uid in event.credited if uid != event.voter_id))
    raise TypeError(f"not a points event: {event!r}")


def article_published_awards(event: ArticlePublished) -> list[Award]:
    """+25 to each source answer's author at the first publication; +2 to the fixer of a later
    published version, unless the fixer published it themselves (a fix should pass someone
    else's review to earn anything, as KCS asks)."""
    out: list[Award] = []
    if event.first:
        out += [_article_award(event.article_id, event.question_id, uid, ARTICLE_PUBLISHED,
                               f"kb:art{event.article_id}:published:u{uid}", event.publisher_id)
                for uid in dict.fromkeys(event.answer_authors)]
    elif event.fixer_id is not None and event.fixer_id != event.publisher_id:
        out.append(_article_award(event.article_id, event.question_id, event.fixer_id, ARTICLE_FIXED,
                                  f"kb:art{event.article_id}:fix:v{event.version}", event.publisher_id))
    return out


def helpful_stem(feedback_id: int, user_id: int) -> str:
    """One reader's vote (a feedback row, replaced in place when the reader changes it) pays
    each credited author once; a change to "not helpful" reverses it."""
    return f"kb:fb{feedback_id}:u{user_id}"


def _article_award(article_id: int, question_id: int | None, user_id: int, rule: Rule, stem: str,
                   actor_id: int | None) -> Award:
    return Award(user_id=user_id, amount=rule.amount, reason=rule.code, stem=stem,
                 question_id=question_id, answer_id=None, actor_id=actor_id)


def _award(post: Post, user_id: int, rule: Rule, stem: str, actor_id: int | None) -> Award:
    return Award(user_id=user_id, amount=rule.amount, reason=rule.code, stem=stem,
                 question_id=post.question_id, answer_id=post.answer_id, actor_id=actor_id)


# --- bounties -------------------------------------------------------------------------------------

def bounty_stems(bounty_id: int) -> tuple[str, str]:
    """(offer, settle): a bounty is paid for once and settled once, by award *or* refund; sharing
    the settle stem is what makes an award racing the expiry pay only one of them."""
    return f"bounty:b{bounty_id}:offer", f"bounty:b{bounty_id}:settle"


def bounty_refund_amount(amount: int) -> int:
    """Half of an expired bounty comes back, rounded down."""
    return max(0, amount) // 2


def bounty_offer(bounty_id: int, offerer_id: int, question_id: int, amount: int) -> Award:
    return Award(user_id=offerer_id, amount=BOUNTY_OFFERED.amount * amount, reason=BOUNTY_OFFERED.code,
                 stem=bounty_stems(bounty_id)[0], question_id=question_id, answer_id=None, actor_id=offerer_id)


def bounty_award(bounty_id: int, question_id: int, answer: Post, amount: int, actor_id: int | None) -> Award:
    return Award(user_id=answer.author_id, amount=BOUNTY_AWARDED.amount * amount, reason=BOUNTY_AWARDED.code,
                 stem=bounty_stems(bounty_id)[1], question_id=question_id, answer_id=answer.id, actor_id=actor_id)


def bounty_refund(bounty_id: int, offerer_id: int, question_id: int, amount: int) -> Award:
    return Award(user_id=offerer_id, amount=BOUNTY_REFUND.amount * bounty_refund_amount(amount),
                 reason=BOUNTY_REFUND.code, stem=bounty_stems(bounty_id)[1], question_id=question_id,
                 answer_id=None, actor_id=None)


def bounty_refusal(*, amount: int, balance: int, is_open: bool, has_open_bounty: bool) -> str | None:
    """Why an offer is refused (a code), or None: the pure part of the offer's checks."""
    if not is_open:
        return "closed"
    if has_open_bounty:
        return "exists"
    if amount < BOUNTY_MIN:
        return "too_small"
    if amount > balance:
        return "too_large"
    return None


# --- vote fraud -------------------------------------------------------------------------------------

def exceeds_threshold(votes: int, threshold: int) -> bool:
    """One voter's upvotes for one person in the window are suspicious from ``threshold`` on."""
    return threshold > 0 and votes >= threshold


# --- the daily cap ------------------------------------------------------------------------------

def capped_amount(amount: int, earned_today: int, cap: int = DAILY_UPVOTE_CAP) -> int:
    """What a capped award actually pays, given the net capped points already earned today.

    Never negative and never more than ``amount``; a loss (amount <= 0) is never capped.
    Deterministic: the ledger computes ``earned_today`` with the user's row locked.
    """
    if amount <= 0:
        return amount
    return max(0, min(amount, cap - earned_today))


def utc_day(moment: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the UTC day holding ``moment`` (naive UTC, as stored)."""
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)
