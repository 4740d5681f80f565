#!/usr/bin/env bash
# `make run`: install, start PostgreSQL+PostGIS and Redis, migrate, load the Medansatria
# sample data, then run the API (gunicorn), a Celery worker and beat until Ctrl-C.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$ROOT/scripts/bootstrap.sh"

pids=()
cleanup() {
  trap - INT TERM EXIT
  log "menghentikan API, worker, dan beat"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # Stops PostgreSQL and Redis if this run started them (and no `make test` still uses them).
  "$ROOT/scripts/services.sh" release "$$"
  log "selesai"
}
trap cleanup INT TERM EXIT

"$ROOT/scripts/services.sh" acquire "$$"
eval "$("$ROOT/scripts/services.sh" env)"
export PATH="$VENV/bin:$PATH"
cd "$ROOT"

PORT="${K3_PORT:-8000}"
HOST="${K3_HOST:-127.0.0.1}"
mkdir -p "$VAR/log" "$VAR/beat"

log "migrasi basis data (alembic upgrade head)"
alembic upgrade head 2>&1 | grep -v '^INFO' || true
log "memuat data contoh Medansatria"
DEMO_USERS_FILE="$VAR/secrets/demo_users.json"
flask --app app sample load --demo-users-file "$DEMO_USERS_FILE"

gunicorn --bind "$HOST:$PORT" --workers "${K3_WEB_WORKERS:-2}" --access-logfile - \
  --graceful-timeout 10 app:flask_app &
pids+=($!)
celery -A app.celery_app worker --loglevel INFO --concurrency "${K3_WORKER_CONCURRENCY:-2}" \
  --hostname "k3zones@%h" >"$VAR/log/worker.log" 2>&1 &
pids+=($!)
celery -A app.celery_app beat --loglevel INFO \
  --schedule "$VAR/beat/celerybeat-schedule" >"$VAR/log/beat.log" 2>&1 &
pids+=($!)

python - "$HOST" "$PORT" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/healthz", timeout=1)
        break
    except OSError:
        time.sleep(0.2)
PY

# The operators' CLI from another terminal needs the same ports.
k3_cli="bin/k3 users list"
if [ "$PG_PORT" != 55432 ] || [ "$REDIS_PORT" != 56379 ]; then
  k3_cli="K3_PG_PORT=$PG_PORT K3_REDIS_PORT=$REDIS_PORT $k3_cli"
fi

cat <<MSG

  k3zones berjalan (Ctrl-C untuk berhenti)
    API        http://$HOST:$PORT/api/v1/
    Konsol     http://$HOST:$PORT/console
    Zona       http://$HOST:$PORT/api/v1/zones
    Dokumen    http://$HOST:$PORT/api/v1/docs
    OpenAPI    http://$HOST:$PORT/api/v1/openapi.json
    Kesiapan   http://$HOST:$PORT/readyz
    Log worker $VAR/log/worker.log, beat $VAR/log/beat.log

  Akun demo (DATA CONTOH; kata sandi acak per instalasi, di $DEMO_USERS_FILE):
$(python - "$DEMO_USERS_FILE" <<'PY'
import json, sys
for user, pw in json.load(open(sys.argv[1])).items():
    print(f"    {user:<16} {pw}")
PY
)
  Masuk lewat API: POST http://$HOST:$PORT/api/v1/auth/login dengan JSON
  {"username": "demo.trantib", "password": "..."}, atau buka konsol di atas.
  CLI operator (terminal lain): $k3_cli

MSG

# Stop everything if any one of the three dies, rather than run half a system.
wait -n "${pids[@]}"
log "salah satu proses berhenti; mematikan semuanya"
