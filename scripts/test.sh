#!/usr/bin/env bash
# The test suite: create or reuse .venv, install, check the layer contract, run pytest on 2 workers.
source "$(dirname "$0")/venv.sh"
lint=0
log="$(mktemp)"
lint-imports --no-cache --no-logo >"$log" 2>&1 || lint=$?
grep -E "^(Contracts|.* (KEPT|BROKEN))" "$log" || true
[ "$lint" -eq 0 ] || cat "$log"
tests=0
python -m pytest -n "${PYTEST_WORKERS:-2}" --durations=15 "$@" || tests=$?
[ "$lint" -eq 0 ] || { echo "lint-imports: the layer contract is broken (see above)"; exit "$lint"; }
exit "$tests"
