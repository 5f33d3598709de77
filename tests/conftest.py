"""Shared test set-up: offline, deterministic, small. Stage-specific fixtures live in tests/helpers/."""

import os
from pathlib import Path

import pytest

# Nothing in the tests may reach the Hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# Two cores, two pytest workers: one thread each (OpenMP oversubscription is ~50x slower here).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_dir() -> Path:
    return DATA
