"""The grid of a scaling study: scales × D/N ratios × epochs, its compute, and how to run it.

A sweep YAML (training/configs/sweeps/*.yaml):

    dataset: data/units            # every run's --dataset
    output_root: runs/paper        # run folders: {output_root}/{scale}_r{ratio}_e{epochs}
    context: 2050
    vocab_size: 503                # only for printing FLOPs with attention before any data is read
    grid:                          # blocks of scales × ratios × epochs, concatenated
      - {scales: [20M, 85M], ratios: [2, 4, 8], epochs: [1]}
    train: {per_device_train_batch_size: 8}   # any train.py argument, for every run
    launcher: {accelerate_config: ...,    # --emit accelerate (one machine)
               slurm: {accelerate_config: ..., nodes: 2, gpus_per_node: 8, time: "48:00:00"}}  # --emit slurm

Runs are idempotent: train.py skips a completed folder and resumes an interrupted one, so the
grid can be rerun (or requeued on Slurm) as often as needed.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from hf_slm.errors import ConfigError
from hf_slm.modeling import counts_for_scale, get_scale
from hf_slm.training.arguments import argv_from_dict, load_config_file
from hf_slm.training.budget import Budget, plan_budget


@dataclass
class SweepRun:
    name: str
    scale: str
    ratio: float
    epochs: float
    budget: Budget
    n_params: int
    flops_6nd: float
    flops_6nd_attn: float
    values: dict = field(default_factory=dict)  # run_training keyword arguments

    @property
    def output_dir(self) -> Path:
        return Path(self.values["output_dir"])


def run_name(scale: str, ratio: float, epochs: float) -> str:
    return f"{scale}_r{ratio:g}_e{epochs:g}"


def expand_grid(cfg: dict) -> list[SweepRun]:
    """Every run of the sweep, in grid order, duplicates dropped; ConfigError names a bad entry."""
    for key in ("output_root", "grid"):
        if key not in cfg:
            raise ConfigError(f"sweep.{key}", "is required")
    context = int(cfg.get("context", 2050))
    vocab = int(cfg.get("vocab_size", 503))
    train = dict(cfg.get("train") or {})
    runs: dict[str, SweepRun] = {}
    for i, block in enumerate(cfg["grid"]):
        for key in ("scales", "ratios"):
            if not block.get(key):
                raise ConfigError(f"sweep.grid[{i}].{key}", "must be a non-empty list")
        for scale_name in block["scales"]:
            scale = get_scale(str(scale_name), f"sweep.grid[{i}].scales")
            counts = counts_for_scale(scale, vocab, context)
            batch = int(train.get("global_batch") or scale.batch_sequences)
            for ratio in block["ratios"]:
                for epochs in block.get("epochs", [1]):
                    name = run_name(scale.name, float(ratio), float(epochs))
                    try:
                        budget = plan_budget(counts.n_params, context, batch, ratio=float(ratio), epochs=float(epochs))
                    except ConfigError as e:
                        raise ConfigError(f"sweep.grid[{i}] run {name}", e.message) from None
                    f6, fa = counts.flops(budget.tokens)
                    values = {"scale": scale.name, "dataset": cfg.get("dataset"), "context": context,
                              "budget_ratio": float(ratio), "epochs": float(epochs),
                              "output_dir": str(Path(cfg["output_root"]) / name), **train}
                    if cfg.get("mode"):
                        values["mode"] = cfg["mode"]
                    runs[name] = SweepRun(name, scale.name, float(ratio), float(epochs), budget, counts.n_params,
                                          f6, fa, values)
    return list(runs.values())


def load_sweep(path: str | Path) -> tuple[dict, list[SweepRun]]:
    cfg = load_config_file(path)
    return cfg, expand_grid(cfg)


def compute_table(runs: list[SweepRun]) -> str:
    """One line per run (N, D, U_D, steps, FLOPs both ways) and the grid's total."""
    head = f"{'run':<22} {'N':>11} {'D':>14} {'U_D':>14} {'epochs':>6} {'steps':>8} {'6ND':>10} {'6ND+attn':>10}"
    lines = [head, "-" * len(head)]
    for r in runs:
        b = r.budget
        lines.append(f"{r.name:<22} {r.n_params:>11,} {b.tokens:>14,} {b.unique_tokens:>14,} {b.epochs:>6.2f} "
                     f"{b.max_steps:>8,} {r.flops_6nd:>10.3e} {r.flops_6nd_attn:>10.3e}")
    total6 = sum(r.flops_6nd for r in runs)
    totala = sum(r.flops_6nd_attn for r in runs)
    lines.append(f"{'total (' + str(len(runs)) + ' runs)':<22} {'':>11} {sum(r.budget.tokens for r in runs):>14,} "
                 f"{'':>14} {'':>6} {sum(r.budget.max_steps for r in runs):>8,} {total6:>10.3e} {totala:>10.3e}")
    return "\n".join(lines)


def run_status(run: SweepRun) -> str:
    """completed | running (resumable) | failed | pending, from the run folder's run.json."""
    from hf_slm.training.record import existing_record

    record = existing_record(run.output_dir)
    return record.status if record is not None else "pending"


def run_locally(runs: list[SweepRun], log=print) -> list:
    """One run after another in this process; completed runs are skipped, interrupted ones resume."""
    from hf_slm.training.run import run_training

    records = []
    for i, run in enumerate(runs, 1):
        status = run_status(run)
        if status == "completed":
            log(f"[{i}/{len(runs)}] {run.name}: completed, skipped")
            continue
        log(f"[{i}/{len(runs)}] {run.name}: {'resuming' if status in ('running', 'failed') else 'starting'}")
        records.append(run_training(**run.values))
    return records


def train_command(run: SweepRun, launcher: list[str]) -> str:
    argv = [*launcher, "training/train.py", *argv_from_dict(run.values)]
    return " ".join(shlex.quote(a) for a in argv)


def emit_accelerate(cfg: dict, runs: list[SweepRun]) -> str:
    """A bash script of `accelerate launch` commands, one per run, for a single machine."""
    launcher = ["accelerate", "launch"]
    conf = (cfg.get("launcher") or {}).get("accelerate_config")
    if conf:
        launcher += ["--config_file", str(conf)]
    body = [train_command(r, launcher) for r in runs]
    return "#!/usr/bin/env bash\n# hf-slm sweep: rerunnable (completed runs skip, interrupted ones resume)\nset -euo pipefail\n" \
        + "\n".join(body) + "\n"


def emit_slurm(cfg: dict, runs: list[SweepRun]) -> str:
    """A Slurm array script: task i runs grid entry i with accelerate across the job's nodes."""
    launcher_cfg = cfg.get("launcher") or {}
    slurm = dict(launcher_cfg.get("slurm") or {})
    gpus = int(slurm.pop("gpus_per_node", 8))
    nodes = int(slurm.pop("nodes", 1))
    parallel = slurm.pop("max_parallel", None)
    conf = slurm.pop("accelerate_config", "training/configs/accelerate/multi_node.yaml")
    array = f"0-{len(runs) - 1}" + (f"%{parallel}" if parallel else "")
    lines = ["#!/usr/bin/env bash", "#SBATCH --job-name=hf-slm-sweep", f"#SBATCH --array={array}",
             f"#SBATCH --nodes={nodes}", "#SBATCH --ntasks-per-node=1", f"#SBATCH --gpus-per-node={gpus}",
             f"#SBATCH --output={cfg['output_root']}/slurm-%A_%a.log", "#SBATCH --requeue"]
    lines += [f"#SBATCH --{k.replace('_', '-')}={v}" for k, v in slurm.items()]
    lines += ["set -euo pipefail", "# One entry per run; rerunning or requeueing is safe (skip / resume).", "RUNS=("]
    lines += ["  " + shlex.quote(" ".join(shlex.quote(a) for a in argv_from_dict(r.values))) for r in runs]
    lines += [")", 'MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
              'ARGS="${RUNS[$SLURM_ARRAY_TASK_ID]}"',
              "srun bash -c \"accelerate launch --config_file " + shlex.quote(str(conf)) +
              f" --num_machines \\$SLURM_NNODES --num_processes \\$((SLURM_NNODES * {gpus}))"
              " --machine_rank \\$SLURM_NODEID --main_process_ip $MASTER_ADDR --main_process_port 29500"
              " training/train.py $ARGS\"", ""]
    return "\n".join(lines)


EMITTERS = {"accelerate": emit_accelerate, "slurm": emit_slurm}
