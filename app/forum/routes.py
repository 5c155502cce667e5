"""The forum's HTML product. ``bp`` is defined here and the views live in ``views_*``
modules (read pages, forms that take text, one-click actions), imported below so that
registering this blueprint registers all of them."""
from flask import Blueprint

bp = Blueprint("forum", __name__)


@bp.record_once
def _register_id_converter(state) -> None:
    # Runs before the rules below are added; the API registers the same converter name.
    from app.urls import RowIdConverter

    state.app.url_map.converters.setdefault("id", RowIdConverter)


from app.forum import views_actions, views_read, views_write  # noqa: E402,F401  (register the views)
