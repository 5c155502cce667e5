"""Related articles and questions on an article page: what the search engine finds most like
the article (its title, and its issue and resolution as context), within the reader's
audience (applied inside the engine's query, like every search). A fault of the engine only
leaves the lists empty."""
from __future__ import annotations

from app.extensions import db
from app.markup import plain_text
from app.search import get_backend, service
from app.search.sources import doc_key

LIMIT = 5


def fill(page, viewer) -> None:
    """Set ``page.related_articles`` and ``page.related_questions`` (app.kb.queries.article)."""
    version = page.published or page.version
    body = plain_text(version.issue_html + " " + version.resolution_html)
    # The trailing space: the title is complete, its last word is not a prefix being typed.
    items = service.suggest(db.session, get_backend, q=version.title + " ", body=body, user=viewer, limit=LIMIT,
                            article_limit=LIMIT, exclude={doc_key("article", page.article.id)})
    page.related_articles = [i for i in items if i.type == "article"]
    page.related_questions = [i for i in items if i.type == "question"]
