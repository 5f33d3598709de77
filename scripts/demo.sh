#!/usr/bin/env bash
# The main job on the embedded default (offline, CPU): create or reuse .venv, install, run the demo.
source "$(dirname "$0")/venv.sh"
hf-slm demo --out "${1:-demo-out}" --preset "${2:-tiny}"
