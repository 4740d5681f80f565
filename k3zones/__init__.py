"""k3zones: the domain core of the K3 order-zone backend.

Nothing in this package imports Flask, flask-smorest or Celery: the HTTP layer (api/)
and the workers (workers/) both call the services defined here.
"""
