#!/usr/bin/env bash
# `make test`: tests/unit first, with no service and no database settings; then the same
# local PostgreSQL/PostGIS and Redis as `make run` (a separate test database) for
# tests/integration, tests/security, tests/faults (own throwaway services) and tests/e2e.
#   scripts/test.sh                    all of it (pytest options are passed to both runs)
#   scripts/test.sh PATH... [OPTIONS]  those tests only; services are started only when a
#                                      path lies outside tests/unit
# Services that this script started are stopped when it ends, pass or fail; services that
# were already up (`make run`, `make services-start`) are left running.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$ROOT/scripts/bootstrap.sh"
export PATH="$VENV/bin:$PATH"
# Compiled bytecode is kept (under var/, out of the tree) even where the machine sets
# PYTHONDONTWRITEBYTECODE: recompiling every module on every run costs ~1 s of the unit layer.
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-$VAR/pycache}"
cd "$ROOT"

NO_TESTS=5 # pytest's exit status when it collected nothing

# Unit tests must not need a service: nothing tells them where one is.
run_unit() {
  env -u K3_DATABASE_URL -u K3_REDIS_URL -u K3_BROKER_URL pytest "$@"
}

services_held=0
release_services() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$services_held" = 1 ]; then
    "$ROOT/scripts/services.sh" release "$$" || true
  fi
  exit "$rc"
}

run_with_services() {
  trap release_services EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  services_held=1
  # Explicit returns: `set -e` does not apply inside a function called from `||`.
  "$ROOT/scripts/services.sh" acquire "$$" || return
  local env
  env="$("$ROOT/scripts/services.sh" env-test)" || return
  eval "$env"
  pytest "$@"
}

# The test paths among the arguments (FILE, DIR or FILE::TEST), relative to the checkout;
# not the value of an option such as `--deselect tests/unit/x.py::t` or `-k name`.
paths=()
unit_only=1
skip_value=0
for arg in "$@"; do
  if [ "$skip_value" = 1 ]; then skip_value=0; continue; fi
  case "$arg" in
    -k | -m | -p | -o | -c | -W | --deselect | --ignore | --ignore-glob | --rootdir | \
      --basetemp | --confcutdir | --maxfail | --timeout | --tb | --durations | --junit-xml)
      skip_value=1; continue ;;
    -*) continue ;;
  esac
  p="${arg%%::*}"
  [ -e "$p" ] || continue
  p="$(realpath --relative-to="$ROOT" -- "$p")"
  paths+=("$p")
  case "$p" in tests/unit | tests/unit/*) ;; *) unit_only=0 ;; esac
done

if [ ${#paths[@]} -gt 0 ]; then
  if [ "$unit_only" = 1 ]; then
    run_unit "$@"
  else
    run_with_services "$@"
  fi
  exit 0
fi

# The whole suite. A failing unit test stops here, before any service is started.
rc=0
run_unit tests/unit "$@" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = "$NO_TESTS" ] || exit "$rc"
unit_rc=$rc
rc=0
run_with_services tests/integration tests/security tests/e2e tests/faults "$@" || rc=$?
if [ "$rc" = "$NO_TESTS" ] && [ "$unit_rc" = 0 ]; then rc=0; fi
exit "$rc"
