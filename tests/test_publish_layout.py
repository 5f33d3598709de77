"""`publish` lays out Hub-shaped folders: checkpoints that open with transformers, no pickles, exit 2 on bad args."""

import json

import pytest

from hf_slm.cli.main import main
from tests.helpers.publish_inputs import make_checkpoint, make_laws


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("layout")
    make_checkpoint(root / "runs" / "a", "speech-tiny-a")
    make_checkpoint(root / "runs" / "b", "speech-tiny-b", status="failed")
    make_laws(root / "laws")
    return root


def test_published_checkpoint_opens_and_matches(inputs, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from hf_slm.hub.publish import publish

    lines = []
    plan = publish(inputs / "runs", inputs / "laws", tmp_path / "hub", log=lines.append)
    assert [r.name for r in plan.of_kind("model")] == ["speech-tiny-a"]  # the failed run is skipped
    assert any("speech-tiny-b" not in line and "status 'failed'" in line for line in lines)
    folder = tmp_path / "hub" / "models" / "speech-tiny-a"
    assert (folder / "scaling_laws.json").read_bytes() == (inputs / "laws" / "scaling_laws.json").read_bytes()
    assert (folder / "plots" / "isoflops.png").is_file() and (folder / "run.json").is_file()
    model = AutoModelForCausalLM.from_pretrained(folder)
    source = AutoModelForCausalLM.from_pretrained(inputs / "runs" / "a")
    for (name, p), (_, q) in zip(model.state_dict().items(), source.state_dict().items()):
        assert torch.equal(p, q), name
    tokenizer = AutoTokenizer.from_pretrained(folder)
    out = model.generate(torch.tensor([[1, 2, 3]]), max_new_tokens=4, do_sample=False,
                         pad_token_id=tokenizer.pad_token_id)
    assert out.shape == (1, 7)
    assert tokenizer.decode([3, 4]) == "<unit_3> <unit_4>"
    assert "dry run" in lines[-1]


def test_pickles_beside_safetensors_stay_home(inputs, tmp_path):
    import shutil

    from hf_slm.hub.publish import publish

    runs = tmp_path / "runs"
    shutil.copytree(inputs / "runs" / "a", runs / "a")
    (runs / "a" / "optimizer.pt").write_bytes(b"\x80\x04pickle")
    (runs / "a" / "checkpoint-10").mkdir()
    (runs / "a" / "checkpoint-10" / "model.safetensors").write_bytes(b"x")
    publish(runs, inputs / "laws", tmp_path / "hub", log=lambda line: None)
    files = {p.name for p in (tmp_path / "hub" / "models" / "speech-tiny-a").rglob("*")}
    assert "model.safetensors" in files and "optimizer.pt" not in files and "checkpoint-10" not in files


def test_pickle_only_checkpoint_is_refused_before_output(inputs, tmp_path, capsys):
    import shutil

    runs = tmp_path / "runs"
    shutil.copytree(inputs / "runs" / "a", runs / "a")
    (runs / "a" / "model.safetensors").unlink()
    (runs / "a" / "pytorch_model.bin").write_bytes(b"\x80\x04pickle")
    rc = main(["publish", "--runs", str(runs), "--laws", str(inputs / "laws"), "--out", str(tmp_path / "hub")])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pytorch_model.bin" in err and "safetensors" in err
    assert not (tmp_path / "hub").exists()


def cli(*argv) -> int:
    """The CLI's exit code, whether it returns it or argparse exits with it."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize("extra, field", [
    (["--push", "bad org!"], "--push"),
    (["--metrics", "/nonexistent/metrics"], "--metrics"),
    (["--datasets", "/nonexistent/ds"], "--datasets"),
    (["--metric-sdk", "docker"], "--metric-sdk"),
    (["--templates", "/nonexistent/cards"], "--templates"),
])
def test_bad_args_exit_2_without_output(inputs, tmp_path, capsys, extra, field):
    rc = cli("publish", "--runs", inputs / "runs", "--laws", inputs / "laws", "--out", tmp_path / "hub", *extra)
    assert rc == 2
    assert field in capsys.readouterr().err
    assert not (tmp_path / "hub").exists()


def test_missing_laws_and_runs_exit_2(inputs, tmp_path, capsys):
    assert main(["publish", "--runs", str(inputs / "runs"), "--laws", str(tmp_path),
                 "--out", str(tmp_path / "hub")]) == 2
    assert "scaling_laws.json" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["publish", "--runs", str(tmp_path / "empty"), "--laws", str(inputs / "laws"),
                 "--out", str(tmp_path / "hub")]) == 2
    assert "no completed run.json" in capsys.readouterr().err
    assert cli("publish", "--runs", inputs / "runs") == 2  # --laws and --out missing
    assert not (tmp_path / "hub").exists()


def test_push_without_token_exits_2_before_output(inputs, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))  # no stored login either
    monkeypatch.setattr("huggingface_hub.constants.HF_TOKEN_PATH", str(tmp_path / "hf_home" / "token"))
    rc = main(["publish", "--runs", str(inputs / "runs"), "--laws", str(inputs / "laws"),
               "--out", str(tmp_path / "hub"), "--push", "acme"])
    assert rc == 2 and "HF_TOKEN" in capsys.readouterr().err
    assert not (tmp_path / "hub").exists()


def test_two_runs_with_one_name_are_refused(inputs, tmp_path, capsys):
    import shutil

    runs = tmp_path / "runs"
    shutil.copytree(inputs / "runs" / "a", runs / "a")
    shutil.copytree(inputs / "runs" / "a", runs / "a2")
    assert main(["publish", "--runs", str(runs), "--laws", str(inputs / "laws"),
                 "--out", str(tmp_path / "hub")]) == 2
    assert "same repo" in capsys.readouterr().err


def test_a_run_of_an_unknown_mode_is_refused_before_output(inputs, tmp_path, capsys):
    import shutil

    from hf_slm.runrecord import RunRecord

    runs = tmp_path / "runs"
    shutil.copytree(inputs / "runs" / "a", runs / "a")
    rec = RunRecord.load(runs / "a")
    rec.mode = "video"  # e.g. a plugin mode this process never registered: its card cannot be written
    rec.save(runs / "a")
    assert main(["publish", "--runs", str(runs), "--laws", str(inputs / "laws"), "--out", str(tmp_path / "hub")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--runs" in err and "'video' is not a known mode" in err
    assert not (tmp_path / "hub").exists()


def test_repo_names_are_hub_valid():
    from hf_slm.hub.plan import repo_name

    assert repo_name("speech 20M/D=2N") == "speech-20M-D-2N"
    assert repo_name("--a..b--") == "a.b"
    assert json.dumps(repo_name("x" * 200)).count("x") == 96
