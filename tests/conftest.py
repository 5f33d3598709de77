"""Shared test set-up: offline, deterministic, small. Stage-specific fixtures live in tests/helpers/."""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Nothing in the tests may reach the Hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# Token stores (hf_slm.data.store_cache) of test datasets go to a temp folder, not the user's cache,
# removed when this process ends (one per xdist worker; subprocesses it starts inherit the path).
if "HF_SLM_TOKEN_STORE_CACHE" not in os.environ:
    os.environ["HF_SLM_TOKEN_STORE_CACHE"] = tempfile.mkdtemp(prefix="hf-slm-token-stores-")
    atexit.register(shutil.rmtree, os.environ["HF_SLM_TOKEN_STORE_CACHE"], ignore_errors=True)
# Two cores, two pytest workers: one thread each (OpenMP oversubscription is ~50x slower here).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_dir() -> Path:
    return DATA


# The micro demo runs once per test session (about 3 minutes on 2 cores), shared by every test that
# reads its output: the first xdist worker to ask runs it into the session's shared temp folder
# under a file lock; the others wait for it and read the same folder.
@pytest.fixture(scope="session")
def micro(tmp_path_factory, worker_id):
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    out, done = shared / "demo-micro", shared / "demo-micro.done"
    with FileLock(str(shared / "demo-micro.lock")):
        if not done.exists():
            proc = subprocess.run([sys.executable, "-m", "hf_slm.cli.main", "demo", "--out", str(out),
                                   "--preset", "micro"], capture_output=True, text=True, timeout=900)
            assert proc.returncode == 0, proc.stderr[-3000:]
            done.write_text(proc.stdout)
    return out, subprocess.CompletedProcess([], 0, stdout=done.read_text(), stderr="")
