"""A tiny CPU run end to end: checkpoint + run.json, skip when completed, resume after kill -9, after a
kill during a checkpoint save and after a stop request; live and dead runs; another run's folder."""

import json
import signal
import socket
import subprocess
import sys
import textwrap
import time

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
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILL_SCRIPT).replace("{kwargs}", repr(kwargs))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL, stderr[-2000:]
    killed = json.loads((out / "run.json").read_text())
    assert killed["status"] == "running" and killed["process"]["pid"] == proc.pid  # dead: see liveness
    assert (out / "checkpoint-4").is_dir() and not (out / "model.safetensors").exists()
    resumed = run_training(**kwargs)
    assert resumed.status == "completed"
    assert resumed.final_test_loss == record.final_test_loss
    assert [p["test_loss"] for p in resumed.learning_curve] == [p["test_loss"] for p in record.learning_curve]


def test_kill_9_leaves_a_record_that_reads_as_dead(tmp_path):
    from hf_slm.runrecord import liveness

    # what a killed run leaves: status running, its process gone (a finished child's pid)
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    rec = RunRecord(name="r", scale="s", status="running",
                    extra={"process": {"host": socket.gethostname(), "pid": int(child.stdout), "heartbeat": time.time()}})
    assert liveness(rec) == "dead"
    rec.extra["process"]["heartbeat"] = time.time() - 3600  # another host can only go by the heartbeat
    rec.extra["process"]["host"] = "elsewhere"
    assert liveness(rec) == "dead"
    rec.extra["process"]["heartbeat"] = time.time()
    assert liveness(rec) == "live"


def test_a_live_run_folder_is_refused(dataset, tmp_path):
    from hf_slm.errors import ConfigError
    from hf_slm.training import run_training

    out = tmp_path / "live"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        RunRecord(name="live", scale="tiny-50k", status="running", extra={"process": {
            "host": socket.gethostname(), "pid": sleeper.pid, "heartbeat": time.time()}}).save(out)
        before = (out / "run.json").read_text()
        with pytest.raises(ConfigError, match=f"pid {sleeper.pid}"):
            run_training(dataset=str(dataset), output_dir=str(out), **RUN)
        assert (out / "run.json").read_text() == before
    finally:
        sleeper.kill()
        sleeper.wait()


def test_incomplete_checkpoint_is_moved_aside_and_the_newest_complete_resumes(finished, dataset, tmp_path, caplog):
    from hf_slm.training import run_training

    record, _ = finished
    out = tmp_path / "kept"
    run_training(dataset=str(dataset), output_dir=str(out), keep_checkpoints=True, **RUN)
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-4", "checkpoint-6"]
    # Trainer's pickled arguments are in no folder of the run (tokens would travel with them)
    assert not list(out.rglob("training_args.bin"))
    # a kill during the save of checkpoint-6: only its config made it to disk; the run never finished
    for p in (out / "checkpoint-6").iterdir():
        if p.name != "config.json":
            p.unlink()
    (out / "model.safetensors").unlink()
    rec = RunRecord.load(out)
    rec.status = "running"
    rec.save(out)
    with caplog.at_level("WARNING"):
        resumed = run_training(dataset=str(dataset), output_dir=str(out), **RUN)
    assert "checkpoint-6 is incomplete" in caplog.text
    assert resumed.status == "completed" and resumed.extra["resumed_from"] == ["checkpoint-4"]
    assert resumed.final_test_loss == record.final_test_loss
    assert not list(out.glob("*checkpoint-*"))  # the moved-aside one goes with the others at completion


def test_completed_folder_of_another_configuration_exits_2(finished, dataset):
    from hf_slm.errors import ConfigError
    from hf_slm.training import run_training

    record, out = finished
    mtime = (out / "model.safetensors").stat().st_mtime_ns
    with pytest.raises(ConfigError) as e:
        run_training(dataset=str(dataset), output_dir=str(out), **{**RUN, "budget_tokens": 16 * 64 * 4})
    assert e.value.field == "--output_dir"
    assert "completed run with tokens_seen=6144" in e.value.message and "tokens_seen=4096" in e.value.message
    assert (out / "model.safetensors").stat().st_mtime_ns == mtime


def test_stop_request_saves_a_checkpoint_and_the_rerun_resumes(finished, dataset, tmp_path):
    from transformers import TrainerCallback

    from hf_slm.training import run_training
    from hf_slm.training.stop import STOP_FILE

    record, _ = finished
    out = tmp_path / "stopped"

    class RequestAt3(TrainerCallback):  # what the Slurm script's trap does on the time-limit signal
        def on_step_begin(self, args, state, control, **kw):
            if state.global_step == 2:
                (out / STOP_FILE).touch()

    first = run_training(dataset=str(dataset), output_dir=str(out), callbacks=[RequestAt3()], **RUN)
    assert first.status == "interrupted" == RunRecord.load(out).status
    assert (out / "checkpoint-3" / "trainer_state.json").exists() and not (out / STOP_FILE).exists()
    resumed = run_training(dataset=str(dataset), output_dir=str(out), **RUN)
    assert resumed.status == "completed" and resumed.extra["resumed_from"] == ["checkpoint-3"]
    assert resumed.final_test_loss == record.final_test_loss
