"""`accelerate launch --use_deepspeed --zero_stage 2` on CPU trains through a DeepSpeedEngine with a torch AdamW."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.helpers.unit_data import make_unit_dataset


@pytest.mark.slow
def test_accelerate_deepspeed_zero2_launch(tmp_path):
    ds = make_unit_dataset(tmp_path / "ds", k=20, n_train=60, n_test=5)
    out = tmp_path / "run"
    accelerate = Path(sys.executable).with_name("accelerate")
    # No "optimizer" block in the ZeRO config: Trainer's torch AdamW is used (no DeepSpeed op to compile).
    cmd = [str(accelerate), "launch", "--use_deepspeed", "--zero_stage", "2", "--num_processes", "1",
           "--mixed_precision", "no", "--main_process_port", "29531",
           str(REPO / "training" / "train.py"), "--scale", "tiny-50k", "--dataset", str(ds), "--context", "64",
           "--budget_tokens", str(16 * 64 * 2), "--min_warmup_steps", "0", "--output_dir", str(out),
           "--disable_tqdm", "true"]
    env = {**os.environ, "DS_ACCELERATOR": "cpu", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=400, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "completed" and run["final_test_loss"] is not None
    dist = run["distributed"]
    assert dist["engine"] == "DeepSpeedEngine" and dist["deepspeed"] and dist["zero_stage"] == 2
    assert dist["optimizer"][-1].startswith("AdamW")  # the recipe's torch optimizer, wrapped by ZeRO
    assert (out / "model.safetensors").exists()
