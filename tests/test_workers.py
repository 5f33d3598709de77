"""Demo worker processes die with the main process, even when it is killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

PARENT = """
import sys
from hf_slm.demo.workers import run_parallel
from tests.test_workers import nap
folder = sys.argv[1]
run_parallel(nap, [{"folder": folder, "seconds": 300}, {"folder": folder, "seconds": 300}], workers=2, desc="nap")
"""


def nap(folder: str, seconds: float) -> None:
    """A job that announces its pid and then outlives any test (unless killed)."""
    Path(folder, str(os.getpid())).touch()
    time.sleep(seconds)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has exited already; only its exit status is left


def _kill_parent_and_wait(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path)], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(tmp_path.iterdir())) < 2:
        time.sleep(0.05)
    pids = [int(p.name) for p in tmp_path.iterdir()]
    assert len(pids) == 2 and all(alive(p) for p in pids), "both jobs should be running"
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    return pids


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_workers_exit_within_seconds_of_a_sigkill_of_the_main_process(tmp_path):
    pids = _kill_parent_and_wait(tmp_path)
    try:
        deadline = time.time() + 5
        while time.time() < deadline and any(alive(p) for p in pids):
            time.sleep(0.05)
        assert not any(alive(p) for p in pids), "workers outlived the main process"
    finally:
        for p in pids:
            if alive(p):
                os.kill(p, signal.SIGKILL)


def test_the_watchdog_alone_ends_an_orphaned_worker(tmp_path, monkeypatch):
    """Without prctl (macOS, say) the parent-pid watchdog still ends the worker."""
    child = """
import os, sys, time
import hf_slm.demo.workers as w
w.sys.platform = "darwin"  # as on a system without prctl: only the watchdog
parent = int(sys.argv[1])
w.die_with_parent(parent)
open(sys.argv[2], "w").write(str(os.getpid()))
time.sleep(300)
"""
    middle = f"""
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", {child!r}, str(__import__("os").getpid()), sys.argv[1]])
time.sleep(300)
"""
    pid_file = tmp_path / "pid"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    mid = subprocess.Popen([sys.executable, "-c", middle, str(pid_file)], cwd=REPO, env=env)
    deadline = time.time() + 60
    while time.time() < deadline and not (pid_file.exists() and pid_file.read_text()):
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    assert alive(pid)
    os.kill(mid.pid, signal.SIGKILL)
    mid.wait()
    try:
        deadline = time.time() + 5
        while time.time() < deadline and alive(pid):
            time.sleep(0.05)
        assert not alive(pid)
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
