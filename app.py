"""Entry point for gunicorn (app:flask_app) and `flask --app app`.

The Flask object is named flask_app: one named `app` would confuse `celery -A app`. The
worker and beat start from workers.main (no Flask); celery_app here is the API's own
(`celery -A app.celery_app` still works, with the API imported).
"""

from api import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
