# Shared settings for the local-service scripts. Sourced, never run.
# Everything lives under ./var so a checkout is self-contained and `rm -rf var`
# resets it; ports are non-default so a system PostgreSQL/Redis does not clash.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="${K3_VAR_DIR:-$ROOT/var}"
VENV="${K3_VENV:-$ROOT/.venv}"
# Pinned, hashed Python dependencies (generated from pyproject.toml by `make lock`).
LOCK_DEV="$ROOT/requirements/dev.txt"
LOCK_MAIN="$ROOT/requirements/main.txt"
# Ports of the local services; every script, `make` target and bin/k3 reads these.
PG_PORT="${K3_PG_PORT:-55432}"
REDIS_PORT="${K3_REDIS_PORT:-56379}"
PG_USER="k3zones"
PG_DB="${K3_PG_DB:-k3zones}"
PG_TEST_DB="${K3_PG_TEST_DB:-k3zones_test}"

log() { printf '\033[1;34m[k3zones]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[k3zones]\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
  if is_root; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "butuh hak root untuk: $* (jalankan sebagai root atau pasang sudo)"; fi
}

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# `postgres` system user. Its data must sit where that user can reach it.
pg_dir() {
  mkdir -p "$VAR"
  if is_root && ! runuser -u postgres -- test -x "$VAR" 2>/dev/null; then
    # e.g. a clone inside a 0700 temp dir: keep the cluster in a path postgres can
    # traverse, one per checkout.
    echo "/var/tmp/k3zones-pg-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
  else
    echo "$VAR/pg"
  fi
}

as_pg() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_password() {
  cat "$VAR/secrets/pg_password"
}

db_url() {
  local db="$1"
  echo "postgresql+psycopg://$PG_USER:$(pg_password)@127.0.0.1:$PG_PORT/$db"
}
