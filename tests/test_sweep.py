"""The sweep grid: expansion and compute, emitted launch scripts, local runs that skip completed ones."""

import subprocess

import pytest
import yaml

from hf_slm.cli.main import main
from hf_slm.errors import ConfigError
from hf_slm.modeling import counts_for_scale, get_scale
from hf_slm.training.sweep import compute_table, emit_accelerate, emit_slurm, expand_grid, load_sweep
from tests.conftest import REPO
from tests.helpers.unit_data import make_unit_dataset

PAPER = REPO / "training" / "configs" / "sweeps" / "paper.yaml"


def test_paper_grid_and_its_compute():
    cfg, runs = load_sweep(PAPER)
    single = [r for r in runs if r.epochs == 1]
    assert len(single) == 5 * 7 and {r.ratio for r in single} == {2, 4, 8, 16, 32, 64, 128}
    assert {r.epochs for r in runs} == {1, 2, 4, 8, 10}
    r = next(r for r in runs if r.name == "85M_r32_e4")
    n = counts_for_scale(get_scale("85M"), 503, 2050).n_params
    assert r.n_params == n and r.budget.tokens_per_update == 128 * 2050
    assert r.budget.tokens == (32 * n) // (128 * 2050) * 128 * 2050
    assert r.flops_6nd == 6 * n * r.budget.tokens
    assert r.budget.unique_tokens * 4 >= r.budget.tokens
    table = compute_table(runs)
    assert f"total ({len(runs)} runs)" in table and f"{sum(x.flops_6nd for x in runs):.3e}" in table


def test_emitted_scripts_are_valid_bash_with_one_entry_per_run(tmp_path):
    cfg, runs = load_sweep(PAPER)
    for name, text in (("a.sh", emit_accelerate(cfg, runs)), ("s.sh", emit_slurm(cfg, runs))):
        path = tmp_path / name
        path.write_text(text)
        assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
        assert text.count("--output_dir runs/paper/") == len(runs)
    assert f"#SBATCH --array=0-{len(runs) - 1}" in emit_slurm(cfg, runs)


def test_bad_grid_entries_are_config_errors():
    with pytest.raises(ConfigError, match="unknown scale"):
        expand_grid({"output_root": "x", "grid": [{"scales": ["1T"], "ratios": [2]}]})
    with pytest.raises(ConfigError, match="less than one update"):
        expand_grid({"output_root": "x", "context": 128, "grid": [{"scales": ["tiny-50k"], "ratios": [0.01]}]})


def test_local_sweep_runs_then_skips(tmp_path, capsys):
    ds = make_unit_dataset(tmp_path / "ds", k=20)
    cfg = {"dataset": str(ds), "output_root": str(tmp_path / "runs"), "context": 64,
           "grid": [{"scales": ["tiny-50k"], "ratios": [0.06], "epochs": [1, 2]}],
           "train": {"min_warmup_steps": 0, "per_device_train_batch_size": 16, "curve_points": 2,
                     "disable_tqdm": True, "save_strategy": "no"}}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["sweep", str(path)]) == 0
    out = capsys.readouterr().out
    assert "starting" in out and "6ND+attn" in out
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["tiny-50k_r0.06_e1", "tiny-50k_r0.06_e2"]
    assert main(["sweep", str(path)]) == 0
    assert capsys.readouterr().out.count("completed, skipped") == 2
