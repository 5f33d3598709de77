"""Launches train what they record: 2 CPU processes under torchrun (no --use_cpu) and under
`accelerate launch --use_deepspeed --zero_stage 2` give the same run as one process.

The global batch is 16 windows either way: one process accumulates 2 micro-batches of 8, two
processes take 8 each; the same windows make each update, so the losses agree to float rounding.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from hf_slm.errors import ConfigError
from hf_slm.training.launch import check_world, settle_launch
from tests.conftest import REPO
from tests.helpers.unit_data import make_unit_dataset

RUN = ["--scale", "tiny-50k", "--context", "64", "--budget_tokens", str(16 * 64 * 4), "--epochs", "2",
       "--min_warmup_steps", "0", "--curve_points", "2", "--disable_tqdm", "true"]
ENV = {**os.environ, "DS_ACCELERATOR": "cpu", "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    from hf_slm.training import run_training

    root = tmp_path_factory.mktemp("launch")
    ds = make_unit_dataset(root / "ds", k=20, n_train=60, n_test=5)
    record = run_training(RUN + ["--dataset", str(ds), "--output_dir", str(root / "one")])
    assert record.recipe["gradient_accumulation_steps"] == 2 and record.recipe["world_size"] == 1
    return ds, record


def launch(cmd, out):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=400, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "run.json").read_text())


def same_run(run, ref):
    assert run["status"] == "completed" and run["tokens_seen"] == ref.tokens_seen
    assert run["recipe"]["world_size"] == 2 == run["distributed"]["world_size"]
    assert run["recipe"]["per_device_train_batch_size"] * run["recipe"]["gradient_accumulation_steps"] * 2 == 16
    assert [p["step"] for p in run["learning_curve"]] == [p["step"] for p in ref.learning_curve]
    for got, want in zip(run["learning_curve"], ref.learning_curve):
        assert got["test_loss"] == pytest.approx(want["test_loss"], rel=1e-5)


@pytest.mark.slow
def test_torchrun_two_cpu_processes_train_one_run(one_process, tmp_path):
    ds, ref = one_process
    out = tmp_path / "torchrun"
    torchrun = Path(sys.executable).with_name("torchrun")
    run = launch([str(torchrun), "--nproc_per_node", "2", "--master_port", "29533",
                  str(REPO / "training" / "train.py"), *RUN, "--dataset", str(ds), "--output_dir", str(out)], out)
    same_run(run, ref)
    assert run["distributed"]["engine"] == "DistributedDataParallel"


@pytest.mark.slow
def test_accelerate_deepspeed_zero2_two_processes_train_one_run(one_process, tmp_path):
    ds, ref = one_process
    out = tmp_path / "ds"
    accelerate = Path(sys.executable).with_name("accelerate")
    # No "optimizer" block in the ZeRO config: Trainer's torch AdamW is used (no DeepSpeed op to compile).
    run = launch([str(accelerate), "launch", "--use_deepspeed", "--zero_stage", "2", "--num_processes", "2",
                  "--mixed_precision", "no", "--main_process_port", "29531",
                  str(REPO / "training" / "train.py"), *RUN, "--dataset", str(ds), "--output_dir", str(out)], out)
    same_run(run, ref)
    dist = run["distributed"]
    assert dist["engine"] == "DeepSpeedEngine" and dist["deepspeed"] and dist["zero_stage"] == 2
    assert dist["optimizer"][-1].startswith("AdamW")  # the recipe's torch optimizer, wrapped by ZeRO
    assert (out / "model.safetensors").exists()


def test_cpu_launches_are_settled_and_mismatches_refused(monkeypatch):
    import hf_slm.training.launch as L

    monkeypatch.setattr(L, "has_accelerator", lambda: False)
    monkeypatch.delenv("ACCELERATE_USE_DEEPSPEED", raising=False)
    assert settle_launch({}, world=1) == {}
    assert settle_launch({}, world=2) == {"use_cpu": True}  # torchrun ranks join one DDP run over gloo
    assert settle_launch({"deepspeed": "z.json"}, world=2) == {"deepspeed": "z.json", "ddp_backend": "gloo"}
    monkeypatch.setenv("ACCELERATE_USE_DEEPSPEED", "true")
    assert settle_launch({}, world=2) == {"ddp_backend": "gloo"}
    monkeypatch.setattr(L, "has_accelerator", lambda: True)
    assert settle_launch({}, world=8) == {}
    check_world(SimpleNamespace(world_size=2), 2)
    with pytest.raises(ConfigError) as e:
        check_world(SimpleNamespace(world_size=1), 2)
    assert e.value.field == "launcher" and "2 processes" in e.value.message
    # measured: `torchrun --nproc_per_node 2 train.py --deepspeed z.json` without CUDA trains with 1
    monkeypatch.setattr(L, "has_accelerator", lambda: False)
    with pytest.raises(ConfigError, match="accelerate launch --use_deepspeed"):
        check_world(SimpleNamespace(world_size=1), 2, {"deepspeed": "z.json"})
