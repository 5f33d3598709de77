"""`hf-slm units extract --emit slurm`: the same extraction as a Slurm array over shards.

Task i of an array of N runs `units extract ... --num-shards N --shard-index i --no-merge` (shards
j with j % N == i; a rerun or requeue redoes only missing shards), and a merge job that depends
on the whole array (afterok) validates the shards and writes the card, so two tasks never merge
at once. The script submits itself: `bash extract.sbatch` creates the log folder (Slurm opens
the log before the script runs, so it must exist at submission), submits the array and then
the merge job. Inside a task it changes into the folder it was emitted from, activates the
environment, and on the pre-timeout signal (`--signal=B:USR1@SECONDS`) requeues the task.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from hf_slm.errors import ConfigError

# ExtractConfig fields and their CLI flags (value flags; booleans are handled below).
_VALUE_FLAGS = {"model": "--model", "shard_size": "--shard-size", "test_fraction": "--test-fraction",
                "min_seconds": "--min-seconds", "batch_size": "--batch-size", "batch_seconds": "--batch-seconds",
                "max_segment_seconds": "--max-segment-seconds", "num_workers": "--num-workers",
                "device": "--device", "dtype": "--dtype", "license": "--license"}


def _abs(path: str) -> str:
    return str(Path(path).expanduser().resolve())


def extract_argv(cfg) -> list[str]:
    """CLI arguments that reproduce `cfg` (an ExtractConfig) with absolute paths, without sharding."""
    argv = ["--input", _abs(cfg.input), "--codebook", _abs(cfg.codebook), "--out", _abs(cfg.out)]
    for name, flag in _VALUE_FLAGS.items():
        value = getattr(cfg, name)
        if name == "max_segment_seconds" and value is None:
            value = 0  # the flag's "never cut"
        if value is None:
            continue
        if name == "model" and Path(value).exists():
            value = _abs(value)
        argv += [flag, str(value)]
    if not cfg.dedup:
        argv.append("--no-dedup")
    return argv


def _activation(activate: str | None) -> str | None:
    """A shell line that activates the environment: a venv folder, an activate script, or this venv."""
    if activate is None:
        if sys.prefix == sys.base_prefix:
            return None
        activate = sys.prefix
    p = Path(activate).expanduser()
    if p.is_dir() and (p / "bin" / "activate").exists():
        return f"source {shlex.quote(str((p / 'bin' / 'activate').resolve()))}"
    if p.is_file():
        return f"source {shlex.quote(str(p.resolve()))}"
    raise ConfigError("--activate", f"{activate} is neither a virtualenv folder nor an activate script")


def parse_sbatch(options: list[str] | None) -> dict[str, str]:
    """["time=4:00:00", "partition=gpu"] -> {"time": "4:00:00", "partition": "gpu"}."""
    out = {}
    for opt in options or []:
        key, sep, value = opt.partition("=")
        key = key.strip().lstrip("-")
        if not sep or not key or not value:
            raise ConfigError("--sbatch", f"{opt!r} is not KEY=VALUE (e.g. time=4:00:00)")
        out[key.replace("_", "-")] = value
    return out


def emit_slurm(cfg, num_shards: int, *, sbatch: dict | None = None, max_parallel: int | None = None,
               activate: str | None = None, log_dir: str | None = None, signal_seconds: int = 120,
               workdir: str | None = None) -> str:
    """The self-submitting array script for `cfg` split into `num_shards` tasks."""
    if num_shards < 1:
        raise ConfigError("--num-shards", f"{num_shards} must be >= 1")
    out = Path(_abs(cfg.out))
    logs = Path(_abs(log_dir)) if log_dir else out.parent / f"{out.name}-slurm-logs"
    workdir = _abs(workdir or ".")
    env = _activation(activate)
    options = {"job-name": "hf-slm-units", "ntasks": "1", **(sbatch or {})}
    array = f"0-{num_shards - 1}" + (f"%{max_parallel}" if max_parallel else "")
    q = shlex.quote
    task = [sys.executable if env is None else "python", "-m", "hf_slm.cli.main", "units", "extract",
            *extract_argv(cfg), "--num-shards", str(num_shards), "--no-merge", "--quiet"]
    merge = [task[0], "-m", "hf_slm.cli.main", "units", "merge", str(out)]
    prelude = [f"cd {q(workdir)}"] + ([env] if env else [])
    lines = ["#!/usr/bin/env bash",
             f"# hf-slm units extract as a Slurm array of {num_shards} tasks; submit with: bash THIS_FILE",
             f"#SBATCH --array={array}", f"#SBATCH --output={logs}/extract-%A_%a.log", "#SBATCH --requeue",
             f"#SBATCH --signal=B:USR1@{int(signal_seconds)}"]
    lines += [f"#SBATCH --{k}={v}" for k, v in options.items()]
    lines += ["set -euo pipefail",
              'if [ -z "${SLURM_JOB_ID:-}" ]; then  # submitting: log folder, the array, then its merge',
              f"  mkdir -p {q(str(logs))}",
              '  JOB=$(sbatch --parsable "$0")',
              "  JOB=${JOB%%;*}",
              f"  sbatch --parsable --dependency=afterok:$JOB --job-name=hf-slm-units-merge --ntasks=1 "
              f"--output={q(str(logs))}/merge-%j.log --wrap={q(' && '.join([*prelude, shlex.join(merge)]))}",
              '  echo "submitted array $JOB and its merge"',
              "  exit 0",
              "fi",
              *prelude,
              "# Before the time limit Slurm sends USR1: requeue this task (finished shards are kept).",
              'trap \'scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"; exit 0\' USR1',
              f"{shlex.join(task)} --shard-index \"$SLURM_ARRAY_TASK_ID\" &",
              "wait $!  # in the background so bash can run the trap while extraction runs",
              ""]
    return "\n".join(lines)
