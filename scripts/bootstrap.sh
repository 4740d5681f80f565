#!/usr/bin/env bash
# Install what is missing on a fresh Debian/Ubuntu machine: PostgreSQL + PostGIS, Redis,
# a virtualenv with the locked Python dependencies and the project, the console's npm
# packages. Safe to run again: it only does what is not done.
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
  # GDAL's ogrinfo (OAPIF driver) reads the OGC API in the e2e tests, as QGIS would.
  echo "gdal-bin"
  # `make bench` drives the API with wrk (a compiled load generator; K3_BENCH=1 only).
  [ "${K3_BENCH:-0}" != 1 ] || echo "wrk"
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
  # Exactly the versions of the lock file (requirements/dev.txt, hashes checked), then the
  # project itself without dependencies. Redone only when the lock or pyproject.toml change.
  local stamp="$VENV/.k3zones-installed"
  local want
  [ -f "$LOCK_DEV" ] || die "berkas kunci $LOCK_DEV tidak ada; buat dengan make lock"
  want="$(cat "$LOCK_DEV" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || die "butuh Python 3.11 atau lebih baru (python3 sekarang: $(python3 --version))"
    log "membuat virtualenv di $VENV"
    python3 -m venv "$VENV"
  fi
  log "memasang dependensi Python (requirements/dev.txt)"
  local pip=("$VENV/bin/python" -m pip -q --disable-pip-version-check)
  "${pip[@]}" install --require-hashes -r "$LOCK_DEV"
  "${pip[@]}" install --no-deps -e "$ROOT"
  # A package dropped from the lock leaves the virtualenv too.
  local extra
  extra="$("$VENV/bin/python" - "$LOCK_DEV" <<'PY'
import re, sys
from importlib.metadata import distributions

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

lock = open(sys.argv[1]).read()
keep = {norm(m[1]) for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock, re.M)}
keep |= {"pip", "setuptools", "wheel", "k3zones", "uv"}  # uv: `make lock` puts it here
names = {d.metadata["Name"] for d in distributions()}
print(" ".join(sorted(n for n in names if n and norm(n) not in keep)))
PY
)"
  if [ -n "$extra" ]; then
    log "membuang paket yang tidak ada di berkas kunci: $extra"
    # shellcheck disable=SC2086
    "${pip[@]}" uninstall -y $extra
  fi
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
