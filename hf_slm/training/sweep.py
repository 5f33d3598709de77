"""The grid of a scaling study: scales × D/N ratios × epochs, its compute, and how to run it.

A sweep YAML (training/configs/sweeps/*.yaml):

    dataset: data/units            # every run's --dataset
    output_root: runs/paper        # run folders: {output_root}/{scale}_r{ratio}_e{epochs}
    context: 2050
    vocab_size: 503                # only for printing FLOPs with attention before any data is read
    grid:                          # blocks of scales × ratios × epochs, concatenated
      - {scales: [20M, 85M], ratios: [2, 4, 8], epochs: [1]}
    train: {per_device_train_batch_size: 8}   # any train.py argument, for every run
    launcher:
      accelerate_config: ...       # --emit accelerate (one machine); use_cpu in it makes a CPU sweep
      slurm:                       # --emit slurm: an array job, one task per run
        accelerate_config: ...     # GPU sweeps: accelerate across the job's nodes
        nodes: 1
        gpus_per_node: 8           # 0 (the default for a CPU sweep): no GPUs, one plain process per task
        max_parallel: 4            # the array throttle (%N)
        signal_seconds: 300        # USR1 this long before the time limit: checkpoint, then requeue
        venv: .venv                # or conda: NAME; activated before training
        log_dir: runs/paper/slurm-logs   # default {output_root}/slurm-logs
        time: "48:00:00"           # any other key is an #SBATCH option (cpus_per_task → --cpus-per-task)

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
from hf_slm.training.stop import EXIT_INTERRUPTED, STOP_FILE


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
    """pending | completed | interrupted | failed | dead (running, its process gone) | live (another
    process trains it now), from the run folder's run.json (hf_slm.runrecord.liveness)."""
    from hf_slm.runrecord import liveness
    from hf_slm.training.record import existing_record

    record = existing_record(run.output_dir)
    return liveness(record) if record is not None else "pending"


def run_locally(runs: list[SweepRun], log=print) -> list:
    """One run after another in this process; completed runs are skipped, interrupted ones resume.

    A completed folder is still planned by train() (which checks it is this configuration)."""
    from hf_slm.training.run import run_training

    records = []
    for i, run in enumerate(runs, 1):
        status = run_status(run)
        if status == "live":
            log(f"[{i}/{len(runs)}] {run.name}: being trained by another process, skipped")
            continue
        if status == "completed":
            log(f"[{i}/{len(runs)}] {run.name}: completed, skipped")
        else:
            log(f"[{i}/{len(runs)}] {run.name}: {'starting' if status == 'pending' else 'resuming (' + status + ')'}")
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


SLURM_DEFAULTS = {"nodes": 1, "max_parallel": 4, "signal_seconds": 300,
                  "accelerate_config": "training/configs/accelerate/multi_node.yaml"}


def repo_root() -> Path:
    """The folder whose training/train.py the scripts launch (this checkout), else the current one."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "training" / "train.py").exists() else Path.cwd().resolve()


def is_cpu_sweep(cfg: dict) -> bool:
    """No GPUs asked for: train.use_cpu, or the sweep's accelerate config says use_cpu."""
    if (cfg.get("train") or {}).get("use_cpu"):
        return True
    conf = (cfg.get("launcher") or {}).get("accelerate_config")
    if conf:
        path = Path(conf) if Path(conf).is_absolute() else repo_root() / conf
        if path.exists():
            return bool((load_config_file(path) or {}).get("use_cpu"))
    return False


def slurm_settings(cfg: dict) -> tuple[dict, dict]:
    """(hf-slm's own settings, the remaining #SBATCH options) of launcher.slurm, checked."""
    given = dict((cfg.get("launcher") or {}).get("slurm") or {})
    own = {**SLURM_DEFAULTS, "gpus_per_node": 0 if is_cpu_sweep(cfg) else 8, "venv": None, "conda": None,
           "repo": None, "log_dir": str(Path(cfg["output_root"]) / "slurm-logs")}
    for key in list(own):
        if key in given:
            own[key] = given.pop(key)
    for key, low in (("nodes", 1), ("max_parallel", 1), ("signal_seconds", 1), ("gpus_per_node", 0)):
        value = own[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"sweep.launcher.slurm.{key}", f"{value!r} must be an integer ≥ {low}")
    if own["venv"] and own["conda"]:
        raise ConfigError("sweep.launcher.slurm.venv", "name one environment: venv or conda, not both")
    own["repo"] = str(Path(own["repo"]).resolve()) if own["repo"] else str(repo_root())
    return own, given


def slurm_log_dir(cfg: dict) -> Path:
    """Where the array's logs go (absolute): Slurm opens them before the script runs."""
    own, _ = slurm_settings(cfg)
    log_dir = Path(own["log_dir"])
    return log_dir if log_dir.is_absolute() else Path(own["repo"]) / log_dir


def _activate(own: dict) -> list[str]:
    """Lines that activate the sweep's environment (activation scripts are not `set -u` clean)."""
    if own["venv"]:
        script = shlex.quote(str(Path(own["venv"]) / "bin" / "activate"))
        return ["set +u", f"source {script} || {{ echo \"hf-slm: cannot activate {script}\" >&2; exit 2; }}", "set -u"]
    if own["conda"]:
        name = shlex.quote(str(own["conda"]))
        return ["set +u", 'eval "$(conda shell.bash hook)"',
                f"conda activate {name} || {{ echo \"hf-slm: cannot activate conda env {name}\" >&2; exit 2; }}",
                "set -u"]
    return ["# no environment named (launcher.slurm.venv or .conda): python and accelerate from PATH"]


def emit_slurm(cfg: dict, runs: list[SweepRun]) -> str:
    """A Slurm array script: task i trains grid entry i; rerunning or requeueing is safe.

    `bash SCRIPT` makes the log folder and submits itself; under Slurm it runs from the repo root
    in the named environment. Before the time limit Slurm signals the batch shell (--signal=B:USR1);
    the trap asks the run to stop (hf_slm.training.stop: a checkpoint, then exit), and the task
    requeues itself, so the next start resumes from that checkpoint. A CPU sweep asks for no GPUs
    and starts one plain process per task.
    """
    own, extra = slurm_settings(cfg)
    gpus = own["gpus_per_node"]
    array = f"0-{len(runs) - 1}%{min(own['max_parallel'], len(runs))}"
    log_dir = own["log_dir"]
    lines = ["#!/usr/bin/env bash", "#SBATCH --job-name=hf-slm-sweep", f"#SBATCH --array={array}",
             f"#SBATCH --nodes={own['nodes']}", "#SBATCH --ntasks-per-node=1"]
    if gpus:
        lines.append(f"#SBATCH --gpus-per-node={gpus}")
    lines += [f"#SBATCH --chdir={own['repo']}", f"#SBATCH --output={log_dir}/%x-%A_%a.log",
              "#SBATCH --open-mode=append", "#SBATCH --requeue", f"#SBATCH --signal=B:USR1@{own['signal_seconds']}"]
    lines += [f"#SBATCH --{k.replace('_', '-')}={v}" for k, v in extra.items()]
    lines += ["# hf-slm sweep: `bash THIS_SCRIPT` creates the log folder and submits the array.",
              "set -uo pipefail", f"REPO={shlex.quote(own['repo'])}", 'cd "$REPO"',
              'if [ -z "${SLURM_JOB_ID:-}" ]; then',
              f"  mkdir -p {shlex.quote(log_dir)}", '  exec sbatch "$0" "$@"', "fi", *_activate(own),
              "# One entry per run; a completed run is skipped, an interrupted one resumes.", "RUNS=("]
    lines += ["  " + shlex.quote(" ".join(shlex.quote(a) for a in argv_from_dict(r.values))) for r in runs]
    lines += [")", "OUTS=("] + ["  " + shlex.quote(str(r.output_dir)) for r in runs] + [")"]
    lines += ['ARGS="${RUNS[$SLURM_ARRAY_TASK_ID]}"', 'OUT="${OUTS[$SLURM_ARRAY_TASK_ID]}"',
              f'rm -f "$OUT/{STOP_FILE}"  # a request left by an earlier job is not this one\'s',
              "STOPPED=0",
              f'on_signal() {{ STOPPED=1; echo "hf-slm: time limit near: checkpoint, then requeue"; '
              f'mkdir -p "$OUT"; touch "$OUT/{STOP_FILE}"; }}',
              "trap on_signal USR1"]
    if gpus:
        conf = shlex.quote(str(own["accelerate_config"]))
        lines += ['MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
                  "srun --kill-on-bad-exit=1 bash -c \"accelerate launch --config_file " + conf +
                  f" --num_machines \\$SLURM_NNODES --num_processes \\$((SLURM_NNODES * {gpus}))"
                  " --machine_rank \\$SLURM_NODEID --main_process_ip $MASTER_ADDR --main_process_port 29500"
                  ' training/train.py $ARGS" &']
    else:
        lines += ['srun --kill-on-bad-exit=1 bash -c "python training/train.py $ARGS" &']
    lines += ["PID=$!", "RC=0", 'wait "$PID" || RC=$?',
              "# the trap interrupts wait: wait again while the run saves its checkpoint",
              'while [ "$STOPPED" = 1 ] && kill -0 "$PID" 2>/dev/null; do RC=0; wait "$PID" || RC=$?; done',
              f"# {EXIT_INTERRUPTED}: stopped with a checkpoint (a launcher in between may make it 1); 0: completed",
              f'if [ "$RC" = {EXIT_INTERRUPTED} ] || {{ [ "$STOPPED" = 1 ] && [ "$RC" != 0 ]; }}; then',
              '  echo "hf-slm: requeueing $SLURM_JOB_ID (exit $RC)"', '  scontrol requeue "$SLURM_JOB_ID"', "  exit 0",
              "fi", 'exit "$RC"', ""]
    return "\n".join(lines)


EMITTERS = {"accelerate": emit_accelerate, "slurm": emit_slurm}
