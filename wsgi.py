"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi``."""
import os
import sys

from app import create_app

app = create_app()

# A gunicorn worker warms up before it takes its first request (app/warmup.py); the flask CLI,
# which imports this module too, does not.
if "gunicorn.arbiter" in sys.modules and os.environ.get("WARM_UP", "1") == "1":
    from app.warmup import warm_up

    warm_up(app)
