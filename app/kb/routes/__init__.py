"""The knowledge base's HTML product under /kb. ``bp`` is defined here; the views live in the
modules below (reading pages, writing articles, one-step actions, the curators' pages),
imported at the end so that registering the blueprint registers all of them."""
from flask import Blueprint

bp = Blueprint("kb", __name__, url_prefix="/kb")

from app.kb.routes import act, manage, read, write  # noqa: E402,F401  (register the views)
