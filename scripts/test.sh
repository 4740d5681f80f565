#!/usr/bin/env bash
# `make test`: the same local services as `make run`, a separate test database, pytest.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/services.sh" start
eval "$("$ROOT/scripts/services.sh" env-test)"
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
exec pytest "$@"
