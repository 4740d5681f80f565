#!/bin/sh
# The image's entrypoint: the role is the first argument (see the `case` at the end).
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

# Prometheus multiprocess mode: each process of this container keeps its values in this
# folder (a tmpfs of its own in docker-compose.yml); what a previous run left is removed.
clean_metrics() {
  [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ] || return 0
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete
}

serve() {
    clean_metrics
    # Logs (JSON or text, K3_LOG_FORMAT) and metrics hooks: /app/gunicorn_conf.py.
    exec gunicorn -c /app/gunicorn_conf.py --bind "0.0.0.0:${K3_PORT:-8000}" \
      --workers "${K3_WEB_WORKERS:-4}" \
      --forwarded-allow-ips "${K3_FORWARDED_ALLOW_IPS:-127.0.0.1}" \
      app:flask_app
}

# Roles: api (migrate, then serve), serve (the API only: docker-compose.yml's one-off
# `migrate` service upgrades first, since several replicas must not upgrade at once),
# worker, beat, migrate, sample (load sample data), or any other command as given.
case "${1:-api}" in
  api)
    # Migrations run before serving (as microblog-api's boot.sh does).
    alembic upgrade head
    serve ;;
  serve)
    serve ;;
  worker)
    clean_metrics
    # --quiet: no start banner on stdout (it is not a log line; the JSON logs say "ready").
    exec celery --quiet -A workers.main.celery_app worker --loglevel INFO \
      --concurrency "${K3_WORKER_CONCURRENCY:-2}" ;;
  beat)
    exec celery --quiet -A workers.main.celery_app beat --loglevel INFO --schedule /tmp/celerybeat-schedule ;;
  migrate)
    exec alembic upgrade head ;;
  sample)
    exec flask --app app sample load ;;
  *)
    exec "$@" ;;
esac
