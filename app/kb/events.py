"""The knowledge base's internal event: an article's search document may have changed.

Sent by the services after any change a reader could notice in search (publication, text,
audience, categories, archive, reuse and helpful counts that raise it); the article search
source (app.kb.search_source) lists it as its dirty signal, so the index learns of the change
after commit. The public events other domains listen to are in ``app.signals``.
"""
from blinker import Namespace

_ns = Namespace()

article_changed = _ns.signal("kb-article-changed", doc="""sender: Article; by: User | None.""")
