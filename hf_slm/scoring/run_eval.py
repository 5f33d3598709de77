"""Evaluate one run folder: benchmarks + held-out loss → run.json `scores` and the card's model-index.

A run counts as evaluated when its run.json has a score for every task of the benchmark folder
(and the held-out loss when a dataset is known); `hf-slm eval --runs` skips those, so a sweep's
evaluation can be rerun after an interruption and picks up where it stopped.
"""

from __future__ import annotations

import time
from pathlib import Path

from hf_slm.errors import ConfigError
from hf_slm.runrecord import RUN_FILE, RunRecord
from hf_slm.scoring.benchmark import EvalOptions, evaluate_checkpoint

EVAL_KEY = "evaluation"  # run.json extra: what was evaluated, how, and when
HELDOUT_KEY = "eval_test_loss"


def is_evaluated(run_dir: str | Path, bench_dir: str | Path, dataset: str | None = None) -> bool:
    from hf_slm.synth.schema import task_folders

    record = RunRecord.load(run_dir)
    if not set(task_folders(bench_dir)) <= set(record.scores):
        return False
    return not (dataset or record.dataset) or HELDOUT_KEY in record.extra


def evaluate_run(run_dir: str | Path, bench_dir: str | Path, dataset: str | None = None,
                 options: EvalOptions | None = None, tasks=None) -> RunRecord:
    """Score the checkpoint in `run_dir` and write its run.json and model card (atomically)."""
    from hf_slm.hub.model_index import update_model_index
    from hf_slm.scoring.lm import load_lm
    from hf_slm.units.dataset import load_unit_dataset

    options = (options or EvalOptions()).validate()
    run_dir = Path(run_dir)
    if not (run_dir / RUN_FILE).exists():
        raise ConfigError("--model", f"{run_dir} has no {RUN_FILE}: not a hf-slm run folder")
    record = RunRecord.load(run_dir)
    dataset = dataset or record.dataset
    # everything that can fail on configuration happens before anything is written
    units = load_unit_dataset(dataset) if dataset else None
    if units is not None and "test" not in units.splits:
        raise ConfigError("--dataset", f"{dataset} has no test split")
    lm = load_lm(run_dir, device=options.device)
    start = time.perf_counter()
    if record.mode == "interleaved":  # units after the text vocab + <speech>/<text>: hf_slm.interleave.eval
        from hf_slm.interleave.eval import score_interleaved_run
        from hf_slm.interleave.eval import speech_heldout_loss as heldout_loss

        scores = score_interleaved_run(lm, record, bench_dir, options, tasks=tasks)
    else:
        from hf_slm.scoring.heldout import heldout_loss

        scores = evaluate_checkpoint(run_dir, bench_dir, options, tasks=tasks, lm=lm)
    record.scores.update(scores)
    if units is not None:
        loss = heldout_loss(lm, units.splits["test"], options)
        record.extra[HELDOUT_KEY] = {**loss, "dataset": str(dataset)}
        if record.final_test_loss is None:  # training's packed-window figure wins when present
            record.final_test_loss = loss["value"]
    record.extra[EVAL_KEY] = {
        "benchmarks": str(bench_dir), "tasks": sorted(scores), "convention": options.convention,
        "prefix": options.prefix, "share_prompt": options.share_prompt, "n_boot": options.n_boot,
        "seed": options.seed, "wall_time_s": round(time.perf_counter() - start, 3),
    }
    record.save(run_dir)
    update_model_index(run_dir, record)
    return record
