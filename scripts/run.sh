#!/usr/bin/env bash
# `make run`: install, start PostgreSQL+PostGIS and Redis, migrate, load the Medansatria
# sample data, then run the API (gunicorn), a Celery worker and beat until Ctrl-C, starting
# again whichever of the three dies (PostgreSQL and Redis stay up meanwhile).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$ROOT/scripts/bootstrap.sh"

# The API, the worker and beat, each in its own process group (setsid) so that a process
# it leaves behind when it dies (gunicorn workers, the worker's pool) is found and ended.
declare -A pid_of=() started_at=() backoff=()
NAMES=(api worker beat)
stopping=0

# Whether the process group PGID still has a live process (a zombie, dead but not yet
# waited for, does not count).
group_alive() { ps -o stat= -g "$1" 2>/dev/null | grep -qv '^Z'; }

# End what is left of a group: TERM to the leader (a graceful stop), then after `grace`
# seconds KILL to the whole group.
end_group() {
  local pid="$1" grace="$2"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((grace * 5))); do group_alive "$pid" || return 0; sleep 0.2; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}

cleanup() {
  trap - INT TERM EXIT
  [ "$stopping" = 1 ] && return 0
  stopping=1
  # Ctrl-C on `make run | tee run.log` also ends tee: a message to the closed pipe must not
  # kill this script (or services.sh) before it has stopped what it started. So SIGPIPE is
  # ignored and, once stderr is found closed, messages go to $VAR/log/run.log instead.
  trap '' PIPE
  if ! printf '\033[1;34m[k3zones]\033[0m %s\n' "menghentikan API, worker, dan beat" >&2 2>/dev/null; then
    mkdir -p "$VAR/log"
    exec 2>>"$VAR/log/run.log" >&2
    log "menghentikan API, worker, dan beat (stderr tertutup)"
  fi
  local name
  for name in "${!pid_of[@]}"; do kill -TERM "${pid_of[$name]}" 2>/dev/null || true; done
  for name in "${!pid_of[@]}"; do end_group "${pid_of[$name]}" 30; done
  for name in "${!pid_of[@]}"; do wait "${pid_of[$name]}" 2>/dev/null || true; done
  # Stops PostgreSQL and Redis if this run started them (and no `make test` still uses them).
  "$ROOT/scripts/services.sh" release "$$"
  log "selesai"
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

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

# Logs are appended to, never truncated: what happened before a restart stays readable.
start() {
  local name="$1"
  case "$name" in
    api)
      # Logs (K3_LOG_FORMAT, text here unless set) and /metrics: docker/gunicorn_conf.py.
      setsid gunicorn -c docker/gunicorn_conf.py --bind "$HOST:$PORT" \
        --workers "${K3_WEB_WORKERS:-2}" --graceful-timeout 10 app:flask_app &
      ;;
    worker)
      setsid celery -A workers.main.celery_app worker --loglevel INFO \
        --concurrency "${K3_WORKER_CONCURRENCY:-2}" --hostname "k3zones@%h" \
        >>"$VAR/log/worker.log" 2>&1 &
      ;;
    beat)
      setsid celery -A workers.main.celery_app beat --loglevel INFO \
        --schedule "$VAR/beat/celerybeat-schedule" >>"$VAR/log/beat.log" 2>&1 &
      ;;
  esac
  pid_of[$name]=$!
  started_at[$name]=$SECONDS
}

# NAME died with status RC: restart it after a pause that doubles (1 s up to 30 s) while it
# keeps dying within a minute of its start, and is back to 1 s once it has run longer.
restart() {
  local name="$1" rc="$2" pid="${pid_of[$1]}" delay
  # What the dead process left in its group (gunicorn workers, the worker's pool).
  kill -KILL -- "-$pid" 2>/dev/null || true
  if [ $((SECONDS - started_at[$name])) -ge 60 ]; then backoff[$name]=1; fi
  delay="${backoff[$name]:-1}"
  backoff[$name]=$((delay * 2 > 30 ? 30 : delay * 2))
  local msg="$name (pid $pid) berhenti dengan status $rc; dinyalakan lagi dalam $delay detik"
  log "$msg"
  case "$name" in
    worker | beat) printf '[k3zones] %s %s\n' "$(date -u +%FT%TZ)" "$msg" >>"$VAR/log/$name.log" ;;
  esac
  # In the background, so that Ctrl-C (its trap) is not held up by the pause.
  sleep "$delay" &
  wait $! || true
  start "$name"
  log "$name dinyalakan lagi (pid ${pid_of[$name]})"
}

for name in "${NAMES[@]}"; do start "$name"; done

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

# Keep the three running: whichever dies is started again (PostgreSQL and Redis stay up).
# A poll each second rather than `wait -n`: a process that dies while another one is being
# restarted is not reported by a later `wait -n`.
while true; do
  sleep 1 &
  wait $! || true
  for name in "${NAMES[@]}"; do
    pid="${pid_of[$name]}"
    if ! kill -0 "$pid" 2>/dev/null; then
      rc=0
      wait "$pid" 2>/dev/null || rc=$?
      restart "$name" "$rc"
    fi
  done
done
