#!/usr/bin/env bash
# Local PostgreSQL+PostGIS and Redis for development and tests, on 127.0.0.1 ports
# K3_PG_PORT (default 55432) and K3_REDIS_PORT (default 56379).
#   scripts/services.sh start     start both (initialising the cluster on first use)
#   scripts/services.sh stop      stop both
#   scripts/services.sh status    say whether each is up
#   scripts/services.sh running   exit status 0 when both are up (for scripts)
#   scripts/services.sh env       print `export K3_...` lines for the dev database
#   scripts/services.sh env-test  the same for the test database (created if missing)
#   scripts/services.sh acquire PID   start both for the process PID (scripts/run.sh, test.sh)
#   scripts/services.sh release PID   PID is done: stop what was started for it, unless
#                                 another process still holds the services (then the last
#                                 one to release stops it). What was already running when
#                                 acquired (`make run`, `make services-start`) stays up.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PGBIN="$(pg_bindir)" || die "PostgreSQL tidak terpasang; jalankan scripts/bootstrap.sh"
PGDIR="$(pg_dir)"
PGDATA="$PGDIR/data"
PGRUN="$PGDIR/run"
REDIS_DIR="$VAR/redis"
HOLDERS="$VAR/run/holders"
STOP_WHEN_IDLE="$VAR/run/stop-when-idle"

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
  # The port is not written here: pg_start passes K3_PG_PORT on every start.
  cat >> "$PGDATA/postgresql.conf" <<EOF
# k3zones local settings
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGRUN'
timezone = 'UTC'
fsync = ${K3_PG_FSYNC:-on}
max_connections = 100
shared_buffers = 256MB
EOF
}

pg_running() { [ -f "$PGDATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

# The port the running cluster listens on (line 4 of postmaster.pid).
pg_running_port() { as_pg sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || true; }

pg_start() {
  pg_init
  mkdir -p "$PGRUN"
  if is_root; then chown postgres: "$PGRUN"; fi
  if pg_running; then
    local port
    port="$(pg_running_port)"
    if [ -n "$port" ] && [ "$port" != "$PG_PORT" ]; then
      die "PostgreSQL $PGDATA sudah berjalan di port $port, bukan $PG_PORT (K3_PG_PORT); hentikan dulu: scripts/services.sh stop"
    fi
    log "PostgreSQL sudah berjalan di port $PG_PORT"
  else
    log "menyalakan PostgreSQL di 127.0.0.1:$PG_PORT"
    # 9>&-: the server must not inherit the lock of lock_services (it would hold it forever).
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDIR/postgresql.log" -o "-p $PG_PORT" -w -t 60 \
      start >/dev/null 9>&- || { tail -20 "$PGDIR/postgresql.log" >&2; die "PostgreSQL gagal menyala"; }
  fi
  ensure_db "$PG_DB"
}

pg_stop() {
  if pg_running; then
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

# Redis asks for a password too (requirepass), generated once per checkout like the
# PostgreSQL one. URL-safe characters only: it goes into K3_REDIS_URL as it is.
redis_password() {
  local f="$VAR/secrets/redis_password" pw
  if [ ! -s "$f" ]; then
    mkdir -p "$VAR/secrets"; chmod 700 "$VAR/secrets"
    (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$f")
  fi
  pw="$(cat "$f")"
  [[ "$pw" =~ ^[A-Za-z0-9._~-]+$ ]] || die "$f: kata sandi Redis hanya boleh huruf, angka, . _ ~ -"
  printf '%s' "$pw"
}

# The password goes through the environment (REDISCLI_AUTH), never on a command line.
redis_cli_at() {
  local port="$1"; shift
  REDISCLI_AUTH="$(redis_password)" redis-cli -h 127.0.0.1 -p "$port" "$@"
}
redis_cli() { redis_cli_at "$REDIS_PORT" "$@"; }

# What answers on a port: ok (our password works), nopass (a Redis without any password:
# started by an older k3zones, before Redis had one), auth (it refuses our password:
# another Redis, or var/secrets/redis_password changed), down (nothing, or not ready).
redis_state_at() {
  local out
  out="$(redis_cli_at "$1" ping 2>&1)" || { echo down; return 0; }
  case "$out" in
    *"without any password configured"* | *"no password is set"*) echo nopass ;;
    *NOAUTH* | *WRONGPASS* | *"invalid password"* | *"invalid username-password"*) echo auth ;;
    PONG) echo ok ;;
    *) echo down ;;
  esac
}
redis_state() { redis_state_at "$REDIS_PORT"; }

redis_running() { [ "$(redis_state)" != down ]; }

# This checkout's Redis was started by a k3zones from before Redis had a password (it
# never wrote redis.conf). It keeps working without one; stopping it is left to the user,
# since other processes may be using it.
redis_legacy() { [ "$(redis_state)" = nopass ] && [ ! -f "$REDIS_DIR/redis.conf" ]; }

# The port of this checkout's Redis when its process is alive, else nothing.
redis_own_port() {
  local pid
  pid="$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)" || return 0
  if [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ -s "$REDIS_DIR/redis.port" ]; then
    cat "$REDIS_DIR/redis.port"
  fi
}

redis_start() {
  command -v redis-server >/dev/null || die "Redis tidak terpasang; jalankan scripts/bootstrap.sh"
  mkdir -p "$REDIS_DIR"
  case "$(redis_state)" in
    ok) log "Redis sudah berjalan di port $REDIS_PORT"; return 0 ;;
    nopass)
      log "PERINGATAN: Redis di port $REDIS_PORT berjalan TANPA kata sandi (dinyalakan oleh" \
        "versi k3zones yang lama); untuk sementara dipakai tanpa kata sandi. Agar memakai" \
        "kata sandi: setelah proses lain selesai memakainya, jalankan" \
        "scripts/services.sh stop lalu scripts/services.sh start (atau make run/make test)."
      return 0 ;;
    auth)
      die "Redis di port $REDIS_PORT menolak kata sandi di $VAR/secrets/redis_password (Redis lain, atau berkasnya berganti); hentikan Redis itu atau pilih port lain (K3_REDIS_PORT)" ;;
  esac
  local own
  own="$(redis_own_port)"
  if [ -n "$own" ] && [ "$own" != "$REDIS_PORT" ]; then
    die "Redis $REDIS_DIR sudah berjalan di port $own, bukan $REDIS_PORT (K3_REDIS_PORT); hentikan dulu: scripts/services.sh stop"
  fi
  log "menyalakan Redis di 127.0.0.1:$REDIS_PORT"
  echo "$REDIS_PORT" > "$REDIS_DIR/redis.port"
  # The password in a file only we can read, not on the command line (ps shows that).
  (umask 077; printf 'requirepass %s\n' "$(redis_password)" > "$REDIS_DIR/redis.conf")
  redis-server "$REDIS_DIR/redis.conf" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" \
    --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
    --appendonly yes --save "" >/dev/null 9>&-
  for _ in $(seq 50); do [ "$(redis_state)" = ok ] && return 0; sleep 0.1; done
  tail -20 "$REDIS_DIR/redis.log" >&2; die "Redis gagal menyala"
}

redis_stop() {
  # This checkout's Redis, whichever port it was started on; else whatever answers on ours.
  local port
  port="$(redis_own_port)"
  port="${port:-$REDIS_PORT}"
  # ok or nopass (an older Redis without a password): both obey our SHUTDOWN.
  if [[ "$(redis_state_at "$port")" =~ ^(ok|nopass)$ ]]; then
    log "mematikan Redis"
    redis_cli_at "$port" shutdown nosave >/dev/null 2>&1 || true
  fi
}

secret_key() {
  local f="$VAR/secrets/secret_key"
  if [ ! -s "$f" ]; then
    mkdir -p "$VAR/secrets"; chmod 700 "$VAR/secrets"
    # 64 characters, as README.md and .env.example say (K3_SECRET_KEY needs at least 32).
    (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(48))' > "$f")
  fi
  cat "$f"
}

print_env() {
  local db="$1" redis_db="$2"
  echo "export K3_DATABASE_URL='$(db_url "$db")'"
  echo "export K3_SECRET_KEY='$(secret_key)'"
  if redis_legacy; then
    # Without the password until it is restarted (see redis_start); the tests say so.
    echo "export K3_REDIS_URL='redis://127.0.0.1:$REDIS_PORT/$redis_db'"
    echo "export K3_REDIS_LEGACY_NO_PASSWORD=1"
  else
    echo "export K3_REDIS_URL='redis://:$(redis_password)@127.0.0.1:$REDIS_PORT/$redis_db'"
    echo "unset K3_REDIS_LEGACY_NO_PASSWORD"
  fi
}

# One start/stop/acquire/release at a time per checkout (two `make test` at once). The
# servers started under it are started with fd 9 closed, so only this script holds it.
lock_services() {
  mkdir -p "$HOLDERS"
  exec 9>"$VAR/run/services.lock"
  flock -w 300 9 || die "$VAR/run/services.lock masih dikunci proses lain setelah 5 menit"
}

acquire() {
  local pid="$1"
  lock_services
  # Record first what this call starts, so a failed start is still undone by release.
  {
    pg_running || echo postgresql
    redis_running || echo redis
  } > "$HOLDERS/$pid"
  redis_start
  pg_start
}

release() {
  local pid="$1" f holder to_stop others=()
  lock_services
  to_stop="$(cat "$HOLDERS/$pid" "$STOP_WHEN_IDLE" 2>/dev/null || true)"
  rm -f "$HOLDERS/$pid"
  for f in "$HOLDERS"/*; do
    [ -e "$f" ] || continue
    holder="$(basename "$f")"
    if [ -d "/proc/$holder" ]; then
      others+=("$holder")
    else
      # A holder that died without releasing: what it started is stopped when idle.
      to_stop="$to_stop"$'\n'"$(cat "$f")"
      rm -f "$f"
    fi
  done
  to_stop="$(printf '%s\n' "$to_stop" | grep -E '^(postgresql|redis)$' | sort -u || true)"
  if [ ${#others[@]} -gt 0 ]; then
    if [ -n "$to_stop" ]; then
      printf '%s\n' "$to_stop" > "$STOP_WHEN_IDLE"
      log "layanan tetap berjalan selama proses ${others[*]} memakainya"
    fi
    return 0
  fi
  rm -f "$STOP_WHEN_IDLE"
  if grep -qx redis <<<"$to_stop"; then redis_stop; fi
  if grep -qx postgresql <<<"$to_stop"; then pg_stop; fi
  return 0
}

case "${1:-}" in
  start) lock_services; redis_start; pg_start ;;
  stop) lock_services; rm -f "$STOP_WHEN_IDLE"; redis_stop; pg_stop ;;
  status)
    if pg_running; then echo "postgresql: berjalan (127.0.0.1:$(pg_running_port))"; else echo "postgresql: mati"; fi
    case "$(redis_state)" in
      ok) echo "redis: berjalan (127.0.0.1:$REDIS_PORT, dengan kata sandi)" ;;
      nopass) echo "redis: berjalan TANPA kata sandi (127.0.0.1:$REDIS_PORT; stop lalu start untuk memasangnya)" ;;
      auth) echo "redis: Redis lain di 127.0.0.1:$REDIS_PORT menolak kata sandi kita" ;;
      *) echo "redis: mati" ;;
    esac ;;
  running) pg_running && [ "$(pg_running_port)" = "$PG_PORT" ] && [[ "$(redis_state)" =~ ^(ok|nopass)$ ]] ;;
  env) print_env "$PG_DB" 0 ;;
  env-test)
    ensure_db "$PG_TEST_DB"; print_env "$PG_TEST_DB" 15
    # Tests hash and check passwords thousands of times: OWASP's minimum argon2id cost
    # (19 MiB x 2 passes, ~40 ms) instead of the default (64 MiB x 3 x 4 lanes, ~300 ms).
    echo "export K3_ARGON2_MEMORY_KIB=19456 K3_ARGON2_TIME_COST=2 K3_ARGON2_PARALLELISM=1" ;;
  acquire|release)
    [ -n "${2:-}" ] || die "pakai: $0 $1 PID"
    "$1" "$2" ;;
  *) echo "pakai: $0 start|stop|status|running|env|env-test|acquire PID|release PID" >&2; exit 2 ;;
esac
