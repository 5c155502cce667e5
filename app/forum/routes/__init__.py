"""The forum's HTML product. ``bp`` is defined here and the views live in the modules
below (read pages, forms that take text, one-click actions), imported at the end so that
registering this blueprint registers all of them. ``pages`` holds what the question page's
views share (loading posts, rendering the page with its slots, counting views)."""
from flask import Blueprint

bp = Blueprint("forum", __name__)

from app.forum.routes import actions, read, write  # noqa: E402,F401  (register the views)
