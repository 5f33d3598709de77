"""What a score depends on: codebook mismatches refused, the resume keyed on protocol + benchmark."""

import pytest

from hf_slm.atomic import write_json
from hf_slm.cli.main import main
from hf_slm.dataset_format.benchmark import load_benchmark, write_task
from hf_slm.runrecord import RunRecord
from tests.helpers.scoring import K, make_benchmarks, make_unit_dataset, save_checkpoint


def _retag(task_dir, codebook):
    """Rewrite a task folder's meta.json as the unit stage would, with `codebook` recorded."""
    rows = load_benchmark(task_dir).to_list()
    write_task(task_dir, rows[0]["task"], rows, "units", {"codebook": codebook}, [])


@pytest.fixture()
def world(tmp_path):
    bench = make_benchmarks(tmp_path / "bench")
    data = make_unit_dataset(tmp_path / "units")
    write_json(data / "meta.json", {"encoder": {"name": "mfcc", "frame_rate": 25.0},
                                    "codebook": {"k": K, "sha256": "a" * 64}})
    ckpt = save_checkpoint(tmp_path / "run")
    rec = RunRecord.load(ckpt)
    rec.dataset = str(data)
    rec.save(ckpt)
    return {"bench": bench, "data": data, "ckpt": ckpt, "root": tmp_path}


def _eval(world, *extra):
    return main(["eval", "--model", str(world["ckpt"]), "--benchmarks", str(world["bench"]), "--n-boot", "20",
                 *extra])


def test_benchmarks_of_another_k_exit_2_before_writing(world, capsys):
    _retag(world["bench"] / "swuggy", {"k": 50, "sha256": "b" * 64})
    before = (world["ckpt"] / "run.json").read_text()
    assert _eval(world) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "codebook" in line]  # (datasets' progress bars aside)
    assert len(lines) == 1 and "K=50" in lines[0] and "swuggy" in lines[0]
    assert (world["ckpt"] / "run.json").read_text() == before


def test_benchmarks_of_another_codebook_exit_2(world, capsys):
    _retag(world["bench"] / "sblimp", {"k": K, "sha256": "b" * 64})
    assert _eval(world) == 2
    assert "codebook bbbbbbbbbbbb" in capsys.readouterr().err
    # the same codebook as the model's dataset scores
    _retag(world["bench"] / "sblimp", {"k": K, "sha256": "a" * 64})
    assert _eval(world) == 0
    assert RunRecord.load(world["ckpt"]).scores["sblimp"]["codebook_sha256"] == "a" * 64


def test_a_bare_checkpoint_is_checked_by_k(world, tmp_path, capsys):
    bare = save_checkpoint(tmp_path / "bare", record=False)
    _retag(world["bench"] / "ssc", {"k": 2 * K})
    assert main(["eval", "--model", str(bare), "--benchmarks", str(world["bench"])]) == 2
    assert f"K={2 * K}" in capsys.readouterr().err


def test_resume_rescores_when_protocol_or_benchmark_changes(world, capsys):
    runs = world["root"] / "sweep"
    save_checkpoint(runs / "a", name="a")
    _retag(world["bench"] / "sblimp", {"k": K})
    args = ["eval", "--runs", str(runs), "--benchmarks", str(world["bench"]), "--n-boot", "20"]
    assert main(args) == 0
    record = RunRecord.load(runs / "a")
    assert record.scores["sblimp"]["protocol"]["name"] == "cm2024"
    assert record.extra["evaluation"]["protocol"]["name"] == "cm2024"
    capsys.readouterr()
    assert main(args) == 0
    assert "a: skipped (already evaluated)" in capsys.readouterr().out
    # another protocol: scored again, and the scores say so
    assert main([*args, "--protocol", "sims"]) == 0
    assert "a: sblimp" in capsys.readouterr().out
    assert RunRecord.load(runs / "a").scores["sblimp"]["protocol"]["name"] == "sims"
    # an override of the same protocol is another way of scoring too
    assert main([*args, "--protocol", "sims", "--convention", "sum"]) == 0
    assert "a: sblimp" in capsys.readouterr().out
    assert main([*args, "--protocol", "sims", "--convention", "sum"]) == 0
    assert "skipped (already evaluated)" in capsys.readouterr().out
    # other benchmark files under the same folder name: scored again
    rows = load_benchmark(world["bench"] / "swuggy").to_list()[:-1]
    write_task(world["bench"] / "swuggy", "swuggy", rows, "units", {}, [])
    assert main([*args, "--protocol", "sims", "--convention", "sum"]) == 0
    assert "a: sblimp" in capsys.readouterr().out
    assert RunRecord.load(runs / "a").scores["swuggy"]["n"] == len(rows)
    # the same shards re-labelled as made with another codebook: scored again
    assert main([*args, "--protocol", "sims", "--convention", "sum"]) == 0
    assert "skipped (already evaluated)" in capsys.readouterr().out
    from hf_slm.atomic import read_json

    meta = read_json(world["bench"] / "sblimp" / "meta.json")  # meta.json only: the shards stay as they are
    write_json(world["bench"] / "sblimp" / "meta.json", {**meta, "codebook": {"k": K, "sha256": "c" * 64}})
    assert main([*args, "--protocol", "sims", "--convention", "sum"]) == 0
    assert "a: sblimp" in capsys.readouterr().out
    assert RunRecord.load(runs / "a").scores["sblimp"]["codebook_sha256"] == "c" * 64


def test_a_recorded_codebook_path_is_opened_for_its_k_and_checksum(world, capsys):
    """Folders that recorded only the codebook's path (the unit stage before checksums) are still checked."""
    import numpy as np

    from hf_slm.scoring.identity import benchmark_codebook
    from hf_slm.units.quantizer import Codebook

    book = Codebook(np.random.default_rng(0).normal(size=(K + 10, 4)), {"name": "mfcc"})
    path = book.save(world["root"] / "codebook.safetensors")
    _retag(world["bench"] / "ssc", str(path))
    assert benchmark_codebook(world["bench"] / "ssc") == {"k": K + 10, "sha256": book.content_sha256()}
    assert _eval(world) == 2
    assert f"K={K + 10}" in capsys.readouterr().err
