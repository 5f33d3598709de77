"""Evaluate one run folder: benchmarks + held-out loss → run.json `scores`.

How a run is scored depends on its kind (unit LM, text LM, interleaved): the caller passes that
as a `RunScoring` (hf_slm.modes supplies one per mode; `hf_slm.modes.evaluate_run` looks it up from
run.json). Evaluation writes scores; the model card is publishing's: a caller that wants the
card's model-index refreshed passes `on_saved` (the CLI passes hf_slm.hub.model_index's writer).

A run counts as evaluated when its run.json has a score for every task of the benchmark folder,
made under the same protocol (hf_slm.scoring.protocol), from a benchmark with the same checksum
and codebook (and the held-out loss when a dataset is known); `hf-slm eval --runs` skips those, so
a sweep's evaluation can be rerun after an interruption and picks up where it stopped, and a run
scored another way, or on other benchmark files, is scored again.

Before anything is scored, unit benchmarks are checked against the model's codebook (its
tokenizer's K, its dataset's codebook checksum): a mismatch is a ConfigError (exit 2).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hf_slm.errors import ConfigError
from hf_slm.runrecord import RUN_FILE, RunRecord
from hf_slm.scoring.benchmark import EvalOptions, evaluate_checkpoint
from hf_slm.scoring.heldout import heldout_loss

EVAL_KEY = "evaluation"  # run.json extra: what was evaluated, how, and when
HELDOUT_KEY = "eval_test_loss"


def score_benchmarks(lm, record, bench_dir, options: EvalOptions, tasks=None) -> dict[str, dict]:
    """{task: entry} for every task folder, candidates encoded in `options.modality`."""
    return evaluate_checkpoint(None, bench_dir, options, tasks=tasks, lm=lm)


@dataclass(frozen=True)
class RunScoring:
    """How one kind of run is scored: its benchmarks, and its loss on the dataset's test split.

    score(lm, record, bench_dir, options, tasks) -> {score key: run.json entry};
    heldout(lm, test split, options) -> {"value": nats/token, "n_tokens", ...};
    modality: what `--modality auto` means for these runs ("units", "text"; "auto": decided by the
    tokenizer, see hf_slm.scoring.benchmark.resolve_modality).
    """

    score: Callable = score_benchmarks
    heldout: Callable = heldout_loss
    modality: str = "auto"

    def options_for(self, options: EvalOptions) -> EvalOptions:
        if options.modality == "auto" and self.modality != "auto":
            return dataclasses.replace(options, modality=self.modality)
        return options


CHECKPOINT_SCORING = RunScoring()  # a unit or text LM scored on its own tokenizer's columns


def load_run(run_dir: str | Path, field: str = "--model") -> RunRecord:
    run_dir = Path(run_dir)
    if not (run_dir / RUN_FILE).exists():
        raise ConfigError(field, f"{run_dir} has no {RUN_FILE}: not a hf-slm run folder")
    return RunRecord.load(run_dir)


def task_of(key: str, tasks) -> str | None:
    """The task a score key belongs to: the task itself or "<task>_<variant>" (longest task name wins)."""
    found = [t for t in tasks if key == t or key.startswith(f"{t}_")]
    return max(found, key=len) if found else None


def benchmark_identity(folders: dict[str, Path]) -> dict[str, dict]:
    """{task: {"benchmark_sha256", "codebook_sha256"}}: what a score must match to be reused."""
    from hf_slm.scoring.identity import benchmark_codebook, shards_sha256

    return {task: {"benchmark_sha256": shards_sha256(folder),
                   "codebook_sha256": (benchmark_codebook(folder) or {}).get("sha256")}
            for task, folder in folders.items()}


def is_evaluated(run_dir: str | Path, bench_dir: str | Path, dataset: str | None = None,
                 options: EvalOptions | None = None) -> bool:
    """Whether run.json already has every task's score under this protocol, benchmark and codebook."""
    from hf_slm.synth.schema import task_folders

    record = RunRecord.load(run_dir)
    protocol = (options or EvalOptions()).validate().scoring_protocol().as_record()
    folders = task_folders(bench_dir)
    for task, ident in benchmark_identity(folders).items():
        entry = record.scores.get(task)
        if not isinstance(entry, dict) or entry.get("protocol") != protocol:
            return False
        if any(entry.get(k) != v for k, v in ident.items()):
            return False
    return not (dataset or record.dataset) or HELDOUT_KEY in record.extra


def evaluate_run(run_dir: str | Path, bench_dir: str | Path, dataset: str | None = None,
                 options: EvalOptions | None = None, tasks=None, *, scoring: RunScoring | None = None,
                 on_saved: Callable[[Path, RunRecord], object] | None = None) -> RunRecord:
    """Score the checkpoint in `run_dir` the way `scoring` says and write its run.json (atomically).

    `on_saved(run_dir, record)` runs after run.json is written (e.g. the model card's model-index).
    """
    from hf_slm.scoring.lm import load_lm
    from hf_slm.units.dataset import load_unit_dataset

    from hf_slm.scoring.benchmark import resolve_modality, select_tasks
    from hf_slm.scoring.identity import check_benchmarks, dataset_codebook

    scoring = scoring or CHECKPOINT_SCORING
    options = scoring.options_for((options or EvalOptions()).validate())
    run_dir = Path(run_dir)
    record = load_run(run_dir)
    dataset = dataset or record.dataset
    # everything that can fail on configuration happens before anything is written
    units = load_unit_dataset(dataset) if dataset else None
    if units is not None and "test" not in units.splits:
        raise ConfigError("--dataset", f"{dataset} has no test split")
    folders = select_tasks(bench_dir, tasks)
    lm = load_lm(run_dir, device=options.device, dtype=options.dtype)
    if resolve_modality(lm, options.modality) == "units":
        check_benchmarks(folders, lm.tokenizer, dataset_codebook(units.meta if units is not None else None))
    identity = benchmark_identity(folders)
    start = time.perf_counter()
    scores = scoring.score(lm, record, bench_dir, options, tasks)
    protocol = options.scoring_protocol().as_record()
    for key, entry in scores.items():  # every key of a task (interleaved: "<task>_t2s", ...) is stamped
        task = task_of(key, identity)
        if task is not None and isinstance(entry, dict):
            entry.setdefault("protocol", protocol)
            entry.update(identity[task])
    record.scores.update(scores)
    if units is not None:
        loss = scoring.heldout(lm, units.splits["test"], options)
        record.extra[HELDOUT_KEY] = {**loss, "dataset": str(dataset)}
        if record.final_test_loss is None:  # training's packed-window figure wins when present
            record.final_test_loss = loss["value"]
    record.extra[EVAL_KEY] = {
        "benchmarks": str(bench_dir), "tasks": sorted(scores), "protocol": protocol,
        "convention": options.convention, "prefix": options.prefix, "share_prompt": options.share_prompt,
        "overlength": options.overlength, "dtype": options.dtype or str(lm.model.dtype).removeprefix("torch."),
        "n_boot": options.n_boot,
        "seed": options.seed, "wall_time_s": round(time.perf_counter() - start, 3),
    }
    record.save(run_dir)
    if on_saved is not None:
        on_saved(run_dir, record)
    return record
