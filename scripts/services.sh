#!/usr/bin/env bash
# Local PostgreSQL+PostGIS and Redis for development and tests.
#   scripts/services.sh start   start both (initialising the cluster on first use)
#   scripts/services.sh stop    stop both
#   scripts/services.sh status  say whether each is up
#   scripts/services.sh env     print `export K3_...` lines for the dev database
#   scripts/services.sh env-test  the same for the test database (created if missing)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PGBIN="$(pg_bindir)" || die "PostgreSQL tidak terpasang; jalankan scripts/bootstrap.sh"
PGDIR="$(pg_dir)"
PGDATA="$PGDIR/data"
PGRUN="$PGDIR/run"
REDIS_DIR="$VAR/redis"

pg_init() {
  mkdir -p "$VAR/secrets" "$PGDIR"
  chmod 700 "$VAR/secrets"
  if [ ! -s "$VAR/secrets/pg_password" ]; then
    # A random password per checkout: nothing secret is committed.
    (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$VAR/secrets/pg_password")
  fi
  if [ -f "$PGDATA/PG_VERSION" ]; then return 0; fi
  log "membuat klaster PostgreSQL di $PGDATA"
  local pwfile="$PGDIR/.pwfile"
  (umask 077; cp "$VAR/secrets/pg_password" "$pwfile")
  if is_root; then chown -R postgres: "$PGDIR"; fi
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U "$PG_USER" --pwfile="$pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  cat >> "$PGDATA/postgresql.conf" <<EOF
# k3zones local settings
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGRUN'
timezone = 'UTC'
fsync = ${K3_PG_FSYNC:-on}
max_connections = 100
shared_buffers = 256MB
EOF
}

pg_running() { as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

pg_start() {
  pg_init
  mkdir -p "$PGRUN"
  if is_root; then chown postgres: "$PGRUN"; fi
  if pg_running; then log "PostgreSQL sudah berjalan di port $PG_PORT"; return 0; fi
  log "menyalakan PostgreSQL di 127.0.0.1:$PG_PORT"
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDIR/postgresql.log" -w -t 60 start >/dev/null \
    || { tail -20 "$PGDIR/postgresql.log" >&2; die "PostgreSQL gagal menyala"; }
  ensure_db "$PG_DB"
}

pg_stop() {
  if [ -f "$PGDATA/PG_VERSION" ] && pg_running; then
    log "mematikan PostgreSQL"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
}

psql_admin() {
  PGPASSWORD="$(pg_password)" psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres \
    -v ON_ERROR_STOP=1 "$@"
}

ensure_db() {
  local db="$1"
  if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    log "membuat basis data $db"
    psql_admin -c "CREATE DATABASE \"$db\""
  fi
}

redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

redis_start() {
  command -v redis-server >/dev/null || die "Redis tidak terpasang; jalankan scripts/bootstrap.sh"
  mkdir -p "$REDIS_DIR"
  if redis_cli ping >/dev/null 2>&1; then log "Redis sudah berjalan di port $REDIS_PORT"; return 0; fi
  log "menyalakan Redis di 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" \
    --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
    --appendonly yes --save "" >/dev/null
  for _ in $(seq 50); do redis_cli ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  tail -20 "$REDIS_DIR/redis.log" >&2; die "Redis gagal menyala"
}

redis_stop() {
  if redis_cli ping >/dev/null 2>&1; then
    log "mematikan Redis"
    redis_cli shutdown nosave >/dev/null 2>&1 || true
  fi
}

secret_key() {
  local f="$VAR/secrets/secret_key"
  if [ ! -s "$f" ]; then
    mkdir -p "$VAR/secrets"; chmod 700 "$VAR/secrets"
    (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(48))' > "$f")
  fi
  cat "$f"
}

print_env() {
  local db="$1" redis_db="$2"
  echo "export K3_DATABASE_URL='$(db_url "$db")'"
  echo "export K3_SECRET_KEY='$(secret_key)'"
  echo "export K3_REDIS_URL='redis://127.0.0.1:$REDIS_PORT/$redis_db'"
}

case "${1:-}" in
  start) mkdir -p "$VAR"; redis_start; pg_start ;;
  stop) redis_stop; pg_stop ;;
  status)
    if [ -f "$PGDATA/PG_VERSION" ] && pg_running; then echo "postgresql: berjalan (127.0.0.1:$PG_PORT)"; else echo "postgresql: mati"; fi
    if redis_cli ping >/dev/null 2>&1; then echo "redis: berjalan (127.0.0.1:$REDIS_PORT)"; else echo "redis: mati"; fi ;;
  env) print_env "$PG_DB" 0 ;;
  env-test) ensure_db "$PG_TEST_DB"; print_env "$PG_TEST_DB" 15 ;;
  *) echo "pakai: $0 start|stop|status|env|env-test" >&2; exit 2 ;;
esac
