"""The phases of `train()` one at a time: validate, plan, record the data, fit, finish."""

import json
import os
from types import SimpleNamespace

import pytest

from hf_slm.errors import ConfigError
from hf_slm.runrecord import RunRecord
from hf_slm.training import plan as P
from hf_slm.training import run as R
from tests.helpers.unit_data import make_unit_dataset

OK = dict(scale="tiny-50k", context=64, budget_tokens=16 * 64 * 2, min_warmup_steps=0, use_cpu=True)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return make_unit_dataset(tmp_path_factory.mktemp("units") / "ds", k=20, n_train=60, n_test=5)


def args_for(**values):
    from hf_slm.training.arguments import parse_train_args

    return parse_train_args(None, values)


def test_output_folder_is_required_and_an_existing_run_is_read(tmp_path):
    with pytest.raises(ConfigError, match="--output_dir"):
        P.output_folder(args_for(**OK))
    assert P.output_folder(args_for(output_dir=str(tmp_path / "new"), **OK)) == (tmp_path / "new", None)
    RunRecord(name="old", scale="tiny-50k", status="completed").save(tmp_path / "old")
    out, old = P.output_folder(args_for(output_dir=str(tmp_path / "old"), **OK))
    assert old.name == "old" and old.status == "completed"


@pytest.mark.parametrize("change, field", [
    ({"dataset": None}, "--dataset"),
    ({"packing": "zip"}, "--packing"),
    ({"mode": "video"}, "--mode"),
    ({"scale": "7B"}, "--scale"),
])
def test_validate_checks_the_flags_alone(tmp_path, change, field):
    values = {**OK, "dataset": str(tmp_path / "not-read"), "output_dir": str(tmp_path / "run"), **change}
    with pytest.raises(ConfigError) as e:
        P.validate(args_for(**values))
    assert e.value.field == field


def test_validate_leaves_the_size_of_a_text_lm_run_to_its_set_up(tmp_path):
    # an interleaved run has no --scale: the interleaved mode's set-up checks --base_model instead
    P.validate(args_for(mode="interleaved", dataset="x", output_dir=str(tmp_path / "run"), context=64))
    with pytest.raises(ConfigError, match="--scale"):
        P.validate(args_for(mode="speech", dataset="x", output_dir=str(tmp_path / "run"), context=64))


def test_plan_sizes_the_run_and_writes_nothing(dataset, tmp_path):
    out = tmp_path / "run"
    plan = P.plan_run(args_for(dataset=str(dataset), output_dir=str(out), **OK), out, None)
    assert not out.exists()
    assert plan.mode.name == "speech" and plan.setup is None and plan.packing == "eos"
    rec = plan.record
    assert (rec.status, rec.mode, rec.tokenization, rec.scale) == ("running", "speech", "units", "tiny-50k")
    assert rec.tokens_seen == 16 * 64 * 2 == plan.budget.tokens and rec.steps == plan.budget.max_steps == 2
    assert rec.vocab_size == 23 == plan.config.vocab_size and rec.n_params == plan.counts.n_params
    assert plan.values["max_steps"] == 2 and plan.training_args.max_steps == 2
    assert rec.extra == {"budget": plan.budget.as_dict(), "packing": "eos"}


def test_plan_records_the_dataset_as_an_absolute_path_or_a_hub_id(dataset, tmp_path, monkeypatch):
    monkeypatch.chdir(dataset.parent.parent)
    relative = f"{dataset.parent.name}/{dataset.name}"  # one "/" and relative: still a local folder
    out = tmp_path / "run"
    plan = P.plan_run(args_for(dataset=relative, output_dir=str(out), **OK), out, None)
    assert plan.record.dataset == str(dataset.resolve())
    assert P.dataset_id("org/units-k500") == "org/units-k500"  # not a local path: a Hub id, as given


def test_plan_takes_tokenization_from_the_dataset_meta(dataset, tmp_path):
    import shutil

    uni = tmp_path / "uni"
    shutil.copytree(dataset, uni)
    meta = json.loads((uni / "meta.json").read_text())
    (uni / "meta.json").write_text(json.dumps({**meta, "tokenization": "unigram"}))
    out = tmp_path / "run"
    plan = P.plan_run(args_for(dataset=str(uni), output_dir=str(out), **OK), out, None)
    assert plan.record.tokenization == "unigram" and plan.record.mode == "speech"


def test_tokenization_falls_back_to_the_mode():
    from hf_slm import modes

    assert P.tokenization_of(SimpleNamespace(meta={}), modes.get("text")) == "text"
    assert P.tokenization_of(SimpleNamespace(meta={}), modes.get("speech")) == "units"
    assert P.tokenization_of(SimpleNamespace(meta={"tokenization": "unigram"}), modes.get("speech")) == "unigram"


def test_plan_refuses_to_resume_another_run(dataset, tmp_path):
    out = tmp_path / "run"
    old = RunRecord(name="run", scale="tiny-50k", vocab_size=23, context=32)
    with pytest.raises(ConfigError, match="context=32"):
        P.plan_run(args_for(dataset=str(dataset), output_dir=str(out), **OK), out, old)


def test_plan_records_the_world_that_trains(dataset, tmp_path):
    out = tmp_path / "run"
    plan = P.plan_run(args_for(dataset=str(dataset), output_dir=str(out), **OK), out, None)
    assert plan.record.recipe["world_size"] == 1 == plan.training_args.world_size
    assert plan.record.recipe["gradient_accumulation_steps"] * plan.record.recipe["per_device_train_batch_size"] == 16


def test_with_data_is_pure_and_keeps_the_extra_order():
    planned = RunRecord(name="r", scale="s", extra={"budget": {}, "packing": "eos"})
    data = SimpleNamespace(test_tokens=7, test_pad_tokens=1, record_extra={"interleave": {"x": 1}},
                           tokens_per_modality={"speech": 100}, unique_tokens=50)
    setup = SimpleNamespace(record={"init": "twist"}, base_model="base")
    rec = R.with_data(planned, data, setup)
    assert planned.extra == {"budget": {}, "packing": "eos"} and planned.unique_tokens == 0  # input untouched
    assert list(rec.extra) == ["budget", "packing", "test_tokens", "test_pad_tokens", "interleave", "init"]
    assert (rec.unique_tokens, rec.tokens_per_modality, rec.base_model) == (50, {"speech": 100}, "base")
    assert R.with_data(planned, data).base_model is None


class FakeTrainer:
    """What fit/finish touch of a transformers Trainer."""

    def __init__(self, log_history, zero=True, fail=False):
        self.state = SimpleNamespace(log_history=list(log_history))
        self.zero, self.fail, self.evaluated, self.saved = zero, fail, 0, []
        self.model_wrapped, self.optimizer = object(), None
        self.is_deepspeed_enabled, self.args = False, SimpleNamespace(world_size=1)

    def is_world_process_zero(self):
        return self.zero

    def train(self, resume_from_checkpoint=None):
        self.resumed_from = resume_from_checkpoint
        if self.fail:
            raise RuntimeError("boom")

    def evaluate(self):
        self.evaluated += 1
        self.state.log_history.append({"step": 4, "eval_token_nll": 2.5})

    def save_model(self, path):
        self.saved.append(path)


def progress_in(folder):
    return R.Progress(RunRecord(name="r", scale="s"), folder, tokens_per_update=10, flops_per_token=6.0)


def test_fit_evaluates_the_last_step_once_and_marks_failures(tmp_path):
    trainer = FakeTrainer([{"step": 2, "eval_token_nll": 3.0}])
    R.fit(trainer, "ckpt-2", progress_in(tmp_path / "a"), max_steps=4)
    assert trainer.evaluated == 1 and trainer.resumed_from == "ckpt-2"
    done = FakeTrainer([{"step": 4, "eval_token_nll": 3.0}])
    R.fit(done, None, progress_in(tmp_path / "b"), max_steps=4)
    assert done.evaluated == 0
    with pytest.raises(RuntimeError):
        R.fit(FakeTrainer([], fail=True), None, progress_in(tmp_path / "c"), max_steps=4)
    assert RunRecord.load(tmp_path / "c").status == "failed"


def test_finish_records_the_result_and_drops_checkpoints(tmp_path):
    out = tmp_path / "run"
    (out / "checkpoint-2").mkdir(parents=True)
    (out / "training_args.bin").write_bytes(b"pickle")
    trainer = FakeTrainer([{"step": 2, "eval_token_nll": 3.0}, {"step": 4, "eval_token_nll": 2.25}])
    rec = R.finish(trainer, progress_in(out))
    saved = RunRecord.load(out)
    assert saved.status == "completed" and saved.final_test_loss == 2.25 == rec.final_test_loss
    assert [p["step"] for p in saved.learning_curve] == [2, 4] and saved.learning_curve[1]["tokens"] == 40
    assert saved.learning_curve[1]["flops"] == 240.0
    assert saved.extra["distributed"]["engine"] == "object" and trainer.saved == [str(out)]
    assert not (out / "checkpoint-2").exists() and not (out / "training_args.bin").exists()
    (out / "checkpoint-4").mkdir()
    R.finish(trainer, progress_in(out), keep_checkpoints=True)
    assert (out / "checkpoint-4").is_dir()


def test_only_the_main_process_writes_run_json(tmp_path):
    progress_in(tmp_path / "w").save(FakeTrainer([], zero=False), "running")
    assert not (tmp_path / "w").exists()


def test_heartbeat_refreshes_a_running_record_and_stops(tmp_path):
    import time

    from hf_slm.runrecord import liveness

    progress = progress_in(tmp_path / "beat")
    progress.save(FakeTrainer([]), "running")
    first = RunRecord.load(tmp_path / "beat").extra["process"]["heartbeat"]
    with R.Heartbeat(progress, interval=0.05):
        time.sleep(0.3)
    beat = RunRecord.load(tmp_path / "beat").extra["process"]
    assert beat["heartbeat"] > first and beat["pid"] == os.getpid()
    assert liveness(RunRecord.load(tmp_path / "beat")) == "dead"  # this process's own pid is not another run
    assert liveness(RunRecord.load(tmp_path / "beat"), stale_s=-1) == "dead"
    progress.save(FakeTrainer([]), "completed")
    assert "process" not in RunRecord.load(tmp_path / "beat").extra  # host and pid only while it may run


def test_complete_checkpoints_are_told_from_cut_short_ones(tmp_path):
    from hf_slm.training.checkpoints import is_complete, newest_complete

    def ckpt(step, *files, dirs=()):
        folder = tmp_path / "run" / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        for name in files:
            (folder / name).write_text('{"global_step": %d}' % step if name == "trainer_state.json" else "x")
        for name in dirs:
            (folder / name).mkdir()
        return folder

    full = ckpt(2, "config.json", "model.safetensors", "optimizer.pt", "trainer_state.json")
    zero3 = ckpt(4, "config.json", "latest", "trainer_state.json", dirs=["global_step4"])  # no safetensors
    no_state = ckpt(6, "config.json", "model.safetensors", "optimizer.pt")
    no_optim = ckpt(8, "config.json", "model.safetensors", "trainer_state.json")
    torn = ckpt(10, "config.json", "model.safetensors", "optimizer.pt", "trainer_state.json")
    (torn / "trainer_state.json").write_text('{"global_st')  # killed while writing the state
    assert [is_complete(f) for f in (full, zero3, no_state, no_optim, torn)] == [True, True, False, False, False]
    assert is_complete(no_optim, save_only_model=True)
    assert newest_complete(tmp_path / "run", move_aside=False) == zero3 and torn.exists()
    assert newest_complete(tmp_path / "run") == zero3
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "checkpoint-2", "checkpoint-4", "incomplete-checkpoint-10", "incomplete-checkpoint-6",
        "incomplete-checkpoint-8"]


def test_the_entry_leaves_the_process_group_on_every_exit(tmp_path, monkeypatch, capsys):
    """A rank that exits with its gloo group alive can abort at interpreter exit (exit -6)."""
    import socket

    import torch.distributed as dist

    from hf_slm.training.entry import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
    assert dist.is_initialized()
    code = main(["--scale", "no-such-scale", "--dataset", str(tmp_path), "--output_dir", str(tmp_path / "r")])
    assert code == 2 and "error:" in capsys.readouterr().err
    assert not dist.is_initialized()
