"""Evaluate a run folder the way its mode (run.json's `mode`) scores it."""

from __future__ import annotations

from pathlib import Path

from hf_slm.modes.registry import get
from hf_slm.scoring import run_eval


def evaluate_run(run_dir: str | Path, bench_dir: str | Path, dataset: str | None = None, options=None,
                 tasks=None, *, on_saved=None):
    """hf_slm.scoring.run_eval.evaluate_run with the run's mode's scoring; same arguments and result."""
    mode = get(run_eval.load_run(run_dir).mode, field="run.json mode")
    return run_eval.evaluate_run(run_dir, bench_dir, dataset, options, tasks, scoring=mode.scoring,
                                 on_saved=on_saved)
