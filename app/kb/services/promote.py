"""Capture (KCS): an accepted answer becomes a draft article, in the asker's words, with its
provenance and credits; several answers become one article (merge); an answer joins an
existing article as a new version. An answer is promoted once: again is a 409 naming the
article it became."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.forum import access as forum_access
from app.forum.models import Answer, Question, Revision
from app.kb import access
from app.kb.models import Article, ArticleSource, ArticleTag, Status
from app.kb.services import common
from app.kb.services.categories import recount_for_article

MAX_MERGE = 10


class AlreadyPromoted(Conflict):
    """The answer already became an article (``article_id``)."""

    def __init__(self, article_id: int, answer_id: int):
        super().__init__(_l("This answer already became an article (number %(id)d).", id=article_id),
                         errors={"answer": _l("Already promoted to article %(id)d.", id=article_id)})
        self.article_id, self.answer_id = article_id, answer_id


def existing_article_of(session: Session, answer_id: int) -> int | None:
    return session.scalar(select(ArticleSource.article_id).where(ArticleSource.answer_id == answer_id))


def _check_answer(session: Session, answer: Answer | None, by: User) -> Answer:
    """Visible, live, not promoted yet, and ``by`` may promote it."""
    if answer is None or answer.is_deleted or not forum_access.can_view(answer.question, by) \
            or answer.question.is_deleted:
        raise NotFound(_l("No such answer."))
    refusal = access.promote_refusal(by, accepted=answer.is_accepted)
    if refusal is not None:
        raise Forbidden(refusal)
    found = existing_article_of(session, answer.id)
    if found is not None:
        raise AlreadyPromoted(found, answer.id)
    return answer


def _answers(session: Session, answer: Answer, more_ids, by: User) -> list[Answer]:
    ids = [i for i in dict.fromkeys(int(i) for i in more_ids or []) if i != answer.id]
    if len(ids) + 1 > MAX_MERGE:
        raise Invalid(errors={"answers": _l("At most %(n)d answers in one article.", n=MAX_MERGE)})
    found = {a.id: a for a in session.scalars(select(Answer).where(Answer.id.in_(ids)))} if ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(errors={"answers": _l("No such answer: %(id)s.", id=missing[0])})
    return [_check_answer(session, a, by) for a in [answer, *(found[i] for i in ids)]]


def _scope(answers: list[Answer]) -> tuple[str, int | None]:
    """The narrowest visibility of the source questions: an article never starts wider."""
    questions = {a.question.id: a.question for a in answers}.values()
    audience = access.narrowest(q.visibility for q in questions)
    teams = {q.team_id for q in questions if q.visibility == "team"}
    if len(teams) > 1:
        raise Invalid(errors={"answers": _l("These answers come from different teams' questions: "
                                            "promote them separately.")})
    return audience, (teams.pop() if teams else None)


def _resolution(answers: list[Answer]) -> str:
    if len(answers) == 1:
        return answers[0].body_md
    return "\n\n---\n\n".join(a.body_md.strip() for a in answers)


def promote_answers(session: Session, answer: Answer, *, by: User, title: str | None = None,
                    more_answer_ids=()) -> Article:
    """A draft article from ``answer`` (and, merged, the answers ``more_answer_ids``): the title
    is the question's, the issue the question's body, the resolution the answer's; environment
    and cause start empty. Tags come from the question, the audience from the narrowest source
    question, credits go to the answerers, the askers and the posts' editors. Raises
    AlreadyPromoted (409) for an answer promoted before, Forbidden, NotFound, Invalid."""
    by = common.require_user(by)
    answers = _answers(session, answer, more_answer_ids, by)
    audience, team_id = _scope(answers)
    question = answer.question
    errors: dict = {}
    clean = common.clean_title(title if title and title.strip() else question.title, errors)
    sections = common.clean_sections({"issue": question.body_md, "resolution": _resolution(answers)}, errors)
    if errors:
        raise Invalid(errors=errors)
    article = Article(status=Status.draft.value, audience=audience, team_id=team_id, owner_user_id=by.id,
                      created_by_id=by.id)
    session.add(article)
    session.flush()
    common.log_transition(session, article, Status.draft.value, by=by, reason="promoted", version_number=1,
                          from_status=None)
    # No note: the history shows the sources each version took in (ArticleSource.version_number).
    common.add_version(session, article, title=clean, sections=sections, by=by, number=1)
    session.add_all(ArticleTag(article_id=article.id, tag_id=t.id, position=i) for i, t in enumerate(question.tags))
    for a in answers:
        _add_source(session, article, a, by, 1)
    return article


def add_answer_to_article(session: Session, answer: Answer, article: Article, *, by: User) -> Article:
    """Append ``answer`` to ``article``'s resolution as its next version (it then goes to review
    if readers see the article). The article's audience is narrowed if the answer's question
    reached fewer people."""
    by = common.require_user(by)
    common.require_visible(article, by)
    common.require_editor(article, by)
    if article.status == Status.archived.value:
        raise Conflict(_l("The article is archived: restore it first."))
    _check_answer(session, answer, by)
    audience, team_id = _scope([answer])
    if access.wider(article.audience, audience) or (audience == "team" and article.audience == "team"
                                                     and article.team_id != team_id):
        if audience == "team" and article.audience == "team":
            raise Invalid(errors={"article": _l("The answer's question belongs to another team.")})
        article.audience, article.team_id = audience, team_id
        narrowed = True
    else:
        narrowed = False
    head = common.head(session, article)
    sections = {n: head.section_md(n) for n in ("issue", "environment", "resolution", "cause")}
    sections["resolution"] = (sections["resolution"].rstrip() + "\n\n---\n\n" + answer.body_md.strip()).strip()
    errors: dict = {}
    common.clean_sections(sections, errors)
    if errors:
        raise Invalid(errors=errors)
    version = common.add_version(session, article, title=head.title, sections=sections, by=by)
    _add_source(session, article, answer, by, version.number)
    if article.status in (Status.published.value, Status.needs_review.value):
        # New content is not validated yet, whoever added it: readers keep the published
        # version until a publisher has read the merge.
        common.log_transition(session, article, Status.review.value, by=by, reason="merged",
                              version_number=version.number)
        article.status = Status.review.value
    if narrowed:
        recount_for_article(session, article)
        common.changed(article, by)
    return article


def _add_source(session: Session, article: Article, answer: Answer, by: User, version_number: int) -> None:
    """Provenance, attribution of imported posts, and credits (answerer, asker, editors)."""
    question: Question = answer.question
    session.add(ArticleSource(article_id=article.id, question_id=question.id, answer_id=answer.id,
                              question_url=question.source_url, source_url=answer.source_url,
                              source_author=answer.source_author, license=answer.license or question.license,
                              version_number=version_number, added_by_id=by.id))
    if article.source_url is None and (answer.source_url or question.source_url):
        article.source_url = answer.source_url or question.source_url
        article.source_author = answer.source_author or question.source_author
        article.license = answer.license or question.license or "CC BY-SA 4.0"
    editors = session.scalars(select(Revision.author_id).where(
        (Revision.answer_id == answer.id) | (Revision.question_id == question.id), Revision.number > 1,
        Revision.author_id.is_not(None)).order_by(Revision.id))
    common.credit_many(session, article, [
        (answer.author_id, "answerer", "" if answer.author_id else (answer.source_author or "")),
        (question.author_id, "asker", "" if question.author_id else (question.source_author or "")),
        *((user_id, "editor", "") for user_id in dict.fromkeys(editors)
          if user_id not in (answer.author_id, question.author_id))])
