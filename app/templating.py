"""Jinja filters and globals shared by all templates."""
from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, format_timedelta, get_locale

from app.db import utcnow


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["get_locale"] = get_locale
    @app.template_filter("ago")
    def _ago(value: datetime | None) -> str:
        if value is None:
            return ""
        return format_timedelta(value - utcnow(), add_direction=True, granularity="minute")

    @app.template_filter("datetime")
    def _datetime(value: datetime | None) -> str:
        return format_datetime(value, "medium") if value else ""
