#!/bin/sh
# Roles: api (migrate, then gunicorn), worker, beat, migrate, sample (load sample data),
# or any other command as given.
set -eu

case "${1:-api}" in
  api)
    # Migrations run before serving (as microblog-api's boot.sh does); alembic holds a
    # lock-free upgrade, so run a single api replica first when scaling out.
    alembic upgrade head
    exec gunicorn --bind "0.0.0.0:${K3_PORT:-8000}" --workers "${K3_WEB_WORKERS:-4}" \
      --access-logfile - --forwarded-allow-ips "${K3_FORWARDED_ALLOW_IPS:-127.0.0.1}" \
      app:flask_app ;;
  worker)
    exec celery -A app.celery_app worker --loglevel INFO \
      --concurrency "${K3_WORKER_CONCURRENCY:-2}" ;;
  beat)
    exec celery -A app.celery_app beat --loglevel INFO --schedule /tmp/celerybeat-schedule ;;
  migrate)
    exec alembic upgrade head ;;
  sample)
    exec flask --app app sample load ;;
  *)
    exec "$@" ;;
esac
