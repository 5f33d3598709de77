"""Run independent jobs (training runs, evaluations) on all cores: one process per core, one thread each.

On a 2-core machine two single-threaded tiny models train about twice as fast as one model on two
threads (OpenMP barely helps matrices this small, and oversubscription makes it much worse).
Jobs are ordered longest first so the last one does not start alone; each job's stdout goes to
its own log file. Every job is resumable on its own, so a killed pool loses nothing finished.
Workers die with the main process, even when it is killed with SIGKILL (no orphans left holding
memory): on Linux the kernel signals them (prctl PR_SET_PDEATHSIG), elsewhere a watchdog thread
in each worker exits once its parent is gone.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_SECONDS = 0.5   # how often the portable watchdog looks at the parent


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent_pid:  # reparented: the main process is gone
            os._exit(1)


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: exit when the process `parent_pid` (which started this one) dies."""
    if sys.platform.startswith("linux"):
        # The kernel sends the signal when the *thread* that started this process exits: with spawn,
        # ProcessPoolExecutor starts workers from the thread that submits, run_parallel's caller,
        # which waits for the pool.
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the watchdog below still works
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="hf-slm-parent-watch").start()


def _call(fn: Callable, kwargs: dict, log_path: str | None):
    import torch

    torch.set_num_threads(1)
    if log_path is None:
        return fn(**kwargs)
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as f, contextlib.redirect_stdout(f):
        return fn(**kwargs)


def run_parallel(fn: Callable, jobs: list[dict], *, workers: int, desc: str, cost=None, log_path=None,
                 on_done=None) -> list:
    """Call fn(**job) for every job; returns results in job order.

    cost(job) orders the jobs (largest first); log_path(job) names a file for the job's stdout;
    on_done(job, result, bar) reports each finished job.
    """
    from tqdm.auto import tqdm

    order = sorted(range(len(jobs)), key=lambda i: -cost(jobs[i])) if cost else list(range(len(jobs)))
    results: list = [None] * len(jobs)
    bar = tqdm(total=len(jobs), desc=desc, unit="job")
    logs = [str(log_path(j)) if log_path else None for j in jobs]
    if workers <= 1 or len(jobs) <= 1:
        for i in order:
            results[i] = _call(fn, jobs[i], logs[i])
            bar.update()
            if on_done:
                on_done(jobs[i], results[i], bar)
        bar.close()
        return results
    # spawn, not fork: torch and tokenizers threads do not survive a fork cleanly
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(_call, fn, jobs[i], logs[i]): i for i in order}
        for fut in as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            bar.update()
            if on_done:
                on_done(jobs[i], results[i], bar)
    bar.close()
    return results
