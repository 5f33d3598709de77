"""A tiny CPU run end to end: checkpoint + run.json, skip when completed, resume after kill -9."""

import json
import signal
import subprocess
import sys
import textwrap

import pytest

from hf_slm.runrecord import RunRecord
from tests.helpers.unit_data import make_unit_dataset

RUN = dict(scale="tiny-50k", context=64, budget_tokens=16 * 64 * 6, epochs=1.5, min_warmup_steps=0,
           per_device_train_batch_size=8, curve_points=3, checkpoints=3, disable_tqdm=True)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return make_unit_dataset(tmp_path_factory.mktemp("units") / "ds", k=20)


@pytest.fixture(scope="module")
def finished(dataset, tmp_path_factory):
    from hf_slm.training import run_training

    out = tmp_path_factory.mktemp("runs") / "full"
    return run_training(dataset=str(dataset), output_dir=str(out), **RUN), out


def test_checkpoint_opens_with_auto_classes_and_record_is_complete(finished):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    record, out = finished
    model = AutoModelForCausalLM.from_pretrained(out)
    tok = AutoTokenizer.from_pretrained(out)
    assert (out / "model.safetensors").exists() and not list(out.glob("checkpoint-*"))
    assert len(tok) == model.config.vocab_size == 23
    assert (model.config.eos_token_id, model.config.pad_token_id, model.config.bos_token_id) == (20, 21, 22)
    saved = RunRecord.load(out)
    assert saved.status == "completed" and saved.scale == "tiny-50k" and saved.mode == "speech"
    assert saved.n_params == sum(p.numel() for n, p in model.named_parameters()
                                 if "embed_tokens" not in n and "lm_head" not in n)
    assert saved.n_params_total == model.num_parameters()
    assert saved.steps == 6 and saved.tokens_seen == 6 * 16 * 64 and saved.tokens_per_update == 1024
    assert saved.unique_tokens == 64 * 64 and saved.epochs == pytest.approx(1.5)
    assert saved.flops_6nd == pytest.approx(6 * saved.n_params * saved.tokens_seen)
    assert saved.flops_6nd_attn > saved.flops_6nd
    assert [p["step"] for p in saved.learning_curve] == [2, 4, 6]
    assert saved.learning_curve[-1]["test_loss"] == saved.final_test_loss
    assert saved.learning_curve[1]["tokens"] == 4 * 1024
    assert saved.final_test_loss < saved.learning_curve[0]["test_loss"]
    assert saved.recipe["lr_scheduler_type"] == "cosine_with_min_lr" and saved.recipe["weight_decay"] == 0.1
    assert saved.versions["transformers"] and saved.hardware and saved.wall_time_s > 0
    assert saved.to_dict()["distributed"]["engine"] == "LlamaForCausalLM"


def test_completed_run_is_skipped(finished, dataset):
    from hf_slm.training import run_training

    record, out = finished
    mtime = (out / "model.safetensors").stat().st_mtime_ns
    again = run_training(dataset=str(dataset), output_dir=str(out), **RUN)
    assert again.final_test_loss == record.final_test_loss
    assert (out / "model.safetensors").stat().st_mtime_ns == mtime


KILL_SCRIPT = """
import os, signal, sys
from transformers import TrainerCallback
from hf_slm.training import run_training

class KillAfterSave(TrainerCallback):
    def on_save(self, args, state, control, **kw):
        if state.global_step == 4:
            os.kill(os.getpid(), signal.SIGKILL)  # kill -9 right after checkpoint-4 is on disk

run_training(callbacks=[KillAfterSave()], **{kwargs})
"""


def test_kill_9_then_rerun_resumes_to_the_same_loss(finished, dataset, tmp_path):
    from hf_slm.training import run_training

    record, _ = finished
    out = tmp_path / "killed"
    kwargs = {**RUN, "dataset": str(dataset), "output_dir": str(out)}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(KILL_SCRIPT).replace("{kwargs}", repr(kwargs))],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert json.loads((out / "run.json").read_text())["status"] == "running"
    assert (out / "checkpoint-4").is_dir() and not (out / "model.safetensors").exists()
    resumed = run_training(**kwargs)
    assert resumed.status == "completed"
    assert resumed.final_test_loss == record.final_test_loss
    assert [p["test_loss"] for p in resumed.learning_curve] == [p["test_loss"] for p in record.learning_curve]
