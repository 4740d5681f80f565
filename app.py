"""Entry point for gunicorn (app:flask_app), celery (-A app.celery_app) and `flask --app app`.

The Flask object is named flask_app: one named `app` would confuse `celery -A app`.
"""

from api import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
