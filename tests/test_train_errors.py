"""Bad configuration: ConfigError (exit 2, one line) before anything is written."""

import subprocess
import sys

import pytest

from hf_slm.errors import ConfigError
from hf_slm.runrecord import RunRecord
from tests.conftest import REPO
from tests.helpers.unit_data import make_unit_dataset

OK = dict(scale="tiny-50k", context=64, budget_tokens=16 * 64 * 2, min_warmup_steps=0)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return make_unit_dataset(tmp_path_factory.mktemp("units") / "ds", k=20, n_train=60, n_test=5)


@pytest.mark.parametrize("change, field", [
    ({"scale": "7B"}, "--scale"),
    ({"budget_tokens": 1000}, "--budget_tokens"),
    ({"budget_tokens": None, "budget_ratio": 0.001}, "--budget_ratio"),
    ({"budget_tokens": 10_000_000}, "--budget_tokens/--epochs"),  # more unique tokens than the split holds
    ({"vocab_size": 503}, "--vocab_size"),
    ({"mode": "video"}, "--mode"),
    ({"packing": "zip"}, "--packing"),
    ({"per_device_train_batch_size": 3}, "--per_device_train_batch_size"),
    # Trainer's push would upload a pickle of its arguments (with the token in it) and a generic card
    ({"push_to_hub": True}, "--push_to_hub"),
    ({"hub_token": "hf_secret"}, "--hub_token"),
])
def test_config_errors_write_nothing(dataset, tmp_path, change, field):
    from hf_slm.training import run_training

    out = tmp_path / "run"
    with pytest.raises(ConfigError) as e:
        run_training(**{**OK, "dataset": str(dataset), "output_dir": str(out), **change})
    assert e.value.field == field
    assert not out.exists()


def test_missing_test_split(tmp_path):
    from hf_slm.training import run_training

    ds = make_unit_dataset(tmp_path / "ds", splits=("train",))
    with pytest.raises(ConfigError, match="'test' split"):
        run_training(**OK, dataset=str(ds), output_dir=str(tmp_path / "run"))
    assert not (tmp_path / "run").exists()


def test_resume_into_a_run_with_another_vocabulary(dataset, tmp_path):
    from hf_slm.training import run_training

    out = tmp_path / "run"
    RunRecord(name="run", scale="tiny-50k", mode="speech", vocab_size=503, context=64).save(out)
    before = (out / "run.json").read_text()
    with pytest.raises(ConfigError, match="vocab_size=503"):
        run_training(**OK, dataset=str(dataset), output_dir=str(out))
    assert (out / "run.json").read_text() == before and sorted(p.name for p in out.iterdir()) == ["run.json"]


def test_train_py_exits_2_with_one_line(dataset, tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, str(REPO / "training" / "train.py"), "--scale", "nope", "--dataset",
                           str(dataset), "--budget_tokens", "100000", "--output_dir", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--scale" in lines[0] and "unknown scale" in lines[0], proc.stderr
    assert not out.exists()
