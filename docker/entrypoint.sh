#!/bin/sh
# Roles: api (migrate, then gunicorn), worker, beat, migrate, sample (load sample data),
# or any other command as given.
set -eu

# K3_* secrets are read by the app itself (K3_<X>_FILE, e.g. /run/secrets/secret_key).
# boto3 reads its S3 keys only from AWS_* variables: take them from Docker secrets here.
for name in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; do
  eval "file=\${${name}_FILE:-}"
  [ -n "$file" ] || continue
  eval "value=\${${name}:-}"
  if [ -n "$value" ]; then
    echo "k3zones: $name dan ${name}_FILE keduanya diisi; pakai salah satu saja" >&2
    exit 1
  fi
  [ -r "$file" ] || { echo "k3zones: ${name}_FILE: berkas $file tidak dapat dibaca" >&2; exit 1; }
  value="$(cat "$file")"
  export "$name=$value"
  unset "${name}_FILE"
done
unset file value

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
