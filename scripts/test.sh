#!/usr/bin/env bash
# The test suite: create or reuse .venv, install, run pytest on 2 workers.
source "$(dirname "$0")/venv.sh"
python -m pytest -n "${PYTEST_WORKERS:-2}" --durations=15 "$@"
