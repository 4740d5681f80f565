#!/usr/bin/env bash
# `make lock`: pin every Python dependency, with hashes, from the ranges in pyproject.toml.
#   requirements/dev.txt   runtime + [dev] extra: .venv (make run/test/lint, CI)
#   requirements/main.txt  runtime only, the same versions: the Docker image
# Pins already in the files are kept while pyproject.toml allows them; to move on:
#   scripts/lock.sh --upgrade                  everything to the newest allowed
#   scripts/lock.sh --upgrade-package flask    one package
# The next scripts/bootstrap.sh (make run/test/lint) installs the new lock.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

UV_VERSION="0.13.9"

if [ ! -x "$VENV/bin/python" ]; then
  log "membuat virtualenv di $VENV"
  python3 -m venv "$VENV"
fi
if [ "$("$VENV/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  log "memasang uv $UV_VERSION ke $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi

mkdir -p "$ROOT/requirements"
cd "$ROOT"
# --universal: one lock for every platform and Python the project allows (markers decide).
common=(--universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" -q)
log "requirements/dev.txt"
"$VENV/bin/uv" pip compile pyproject.toml --extra dev "${common[@]}" "$@" -o requirements/dev.txt
log "requirements/main.txt (versi sama dengan dev.txt)"
"$VENV/bin/uv" pip compile pyproject.toml -c requirements/dev.txt "${common[@]}" "$@" \
  -o requirements/main.txt
