#!/usr/bin/env bash
# Install what is missing on a fresh Debian/Ubuntu machine: PostgreSQL + PostGIS, Redis,
# and a virtualenv with the project. Safe to run again: it only does what is not done.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

apt_packages() {
  local pgv="${K3_PG_VERSION:-}"
  if [ -z "$pgv" ]; then
    local bindir
    if bindir="$(pg_bindir)"; then
      pgv="$(basename "$(dirname "$bindir")")"
    else
      pgv=15
    fi
  fi
  echo "postgresql-$pgv postgresql-$pgv-postgis-3 postgresql-client-$pgv redis-server"
  python3 -c 'import ensurepip' 2>/dev/null || echo "python3-venv"
  # The console's front-end packages come from npm; its browser tests use Debian's Chromium.
  command -v npm >/dev/null || echo "nodejs npm"
  [ "${K3_NO_BROWSER:-0}" = 1 ] || echo "chromium"
  true
}

install_apt() {
  local missing=()
  for p in $(apt_packages); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "paket hilang (${missing[*]}) dan apt-get tidak ada; pasang secara manual"
  log "memasang paket Debian: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >/dev/null
  # The packages start a system-wide cluster and Redis on the default ports; we use our
  # own under ./var, so theirs are left alone (not stopped: they may be someone's).
}

install_venv() {
  local stamp="$VENV/.k3zones-installed"
  local want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || die "butuh Python 3.11 atau lebih baru (python3 sekarang: $(python3 --version))"
    log "membuat virtualenv di $VENV"
    python3 -m venv "$VENV"
  fi
  log "memasang dependensi Python (pyproject.toml)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -U pip >/dev/null
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[dev]"
  echo "$want" > "$stamp"
}

install_console() {
  local stamp="$ROOT/console/node_modules/.k3zones-installed"
  local want
  want="$(sha256sum "$ROOT/console/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "memasang paket konsol dari npm (console/package-lock.json)"
  (cd "$ROOT/console" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" > "$stamp"
}

install_apt
install_venv
install_console
