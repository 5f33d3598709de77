"""The emitted Slurm array script survives TIMEOUT: run under stand-in sbatch/srun/scontrol, the
signal Slurm sends before the time limit (--signal=B:USR1) makes the run save a checkpoint and the
task requeue itself; the requeued task resumes from that checkpoint and completes."""

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
import yaml

from hf_slm.cli.main import main
from hf_slm.runrecord import RunRecord
from hf_slm.training.sweep import emit_slurm, load_sweep
from tests.conftest import REPO
from tests.helpers.unit_data import make_unit_dataset

FAKES = {
    # sbatch: remember what was submitted
    "sbatch": 'echo "$@" >> "$FAKE_SLURM/submitted"; echo "Submitted batch job 7"',
    # srun: drop its options, run the command here
    "srun": 'while [ "$#" -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done; exec "$@"',
    # scontrol: one host; a requeue is written down
    "scontrol": 'case "$1" in show) echo localhost ;; requeue) echo "$2" >> "$FAKE_SLURM/requeued" ;; esac',
}


def fake_slurm(folder):
    folder.mkdir()
    for name, body in FAKES.items():
        path = folder / name
        path.write_text(f"#!/usr/bin/env bash\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


def sweep_file(tmp_path, ds):
    cfg = {"dataset": str(ds), "output_root": str(tmp_path / "runs"), "context": 64,
           "grid": [{"scales": ["tiny-50k"], "ratios": [2], "epochs": [16]}],
           "train": {"use_cpu": True, "global_batch": 8, "per_device_train_batch_size": 8, "min_warmup_steps": 0,
                     "checkpoints": 1, "curve_points": 2, "disable_tqdm": True, "logging_steps": 1000},
           "launcher": {"slurm": {"venv": sys.prefix, "log_dir": str(tmp_path / "logs"), "time": "00:10:00",
                                  "max_parallel": 2, "signal_seconds": 120}}}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_cpu_and_gpu_scripts_ask_for_what_they_use(tmp_path):
    cfg, runs = load_sweep(REPO / "training" / "configs" / "sweeps" / "paper.yaml")
    gpu = emit_slurm(cfg, runs)
    assert "#SBATCH --gpus-per-node=8" in gpu and "accelerate launch" in gpu
    assert f"#SBATCH --array=0-{len(runs) - 1}%8" in gpu and "#SBATCH --signal=B:USR1@600" in gpu
    assert f"#SBATCH --chdir={REPO}" in gpu and "source .venv/bin/activate" in gpu
    cfg, runs = load_sweep(REPO / "training" / "configs" / "sweeps" / "tiny_cpu.yaml")
    cpu = emit_slurm(cfg, runs)
    assert "gpus" not in cpu and "accelerate" not in cpu and "deepspeed" not in cpu
    assert "python training/train.py" in cpu


@pytest.mark.slow
def test_signal_before_the_time_limit_checkpoints_requeues_and_resumes(tmp_path):
    ds = make_unit_dataset(tmp_path / "ds", k=20)
    script = tmp_path / "sweep.sbatch"
    assert main(["sweep", str(sweep_file(tmp_path, ds)), "--emit", "slurm", "--out", str(script)]) == 0
    assert (tmp_path / "logs").is_dir()  # Slurm opens the log before the script runs
    bin_dir = fake_slurm(tmp_path / "bin")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_SLURM": str(tmp_path),
           "OMP_NUM_THREADS": "1"}
    for key in [k for k in env if k.startswith("SLURM_")]:
        env.pop(key)

    # outside a job, `bash SCRIPT` submits itself
    (tmp_path / "logs").rmdir()
    subprocess.run(["bash", str(script)], env=env, check=True, timeout=60, capture_output=True)
    assert (tmp_path / "logs").is_dir() and str(script) in (tmp_path / "submitted").read_text()

    job = {**env, "SLURM_JOB_ID": "7", "SLURM_ARRAY_JOB_ID": "7", "SLURM_ARRAY_TASK_ID": "0",
           "SLURM_JOB_NODELIST": "localhost", "SLURM_NNODES": "1", "SLURM_NODEID": "0"}
    out = tmp_path / "runs" / "tiny-50k_r2_e16"
    log = open(tmp_path / "job.log", "w")
    proc = subprocess.Popen(["bash", str(script)], env=job, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 240
    while not (out / "run.json").exists():  # written when training starts
        assert proc.poll() is None and time.time() < deadline, (tmp_path / "job.log").read_text()[-3000:]
        time.sleep(0.2)
    proc.send_signal(signal.SIGUSR1)  # what --signal=B:USR1@120 does 120 s before the limit
    assert proc.wait(timeout=240) == 0, (tmp_path / "job.log").read_text()[-3000:]
    first = RunRecord.load(out)
    assert first.status == "interrupted", (tmp_path / "job.log").read_text()[-3000:]
    ckpts = sorted(out.glob("checkpoint-*"))
    assert len(ckpts) == 1 and 0 < int(ckpts[0].name.split("-")[1]) < first.steps
    assert (ckpts[0] / "trainer_state.json").exists() and (ckpts[0] / "model.safetensors").exists()
    assert (tmp_path / "requeued").read_text().split() == ["7"]

    # the requeued task: same script, same array index
    rerun = subprocess.run(["bash", str(script)], env=job, capture_output=True, text=True, timeout=400)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    done = json.loads((out / "run.json").read_text())
    assert done["status"] == "completed" and done["resumed_from"] == [ckpts[0].name]
    assert (tmp_path / "requeued").read_text().split() == ["7"]  # not requeued again
