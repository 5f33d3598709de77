"""benchmarks/run_all.py turns each script's JSON into table rows: checked on hand-made JSON (no benchmark runs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "run_all.py"
_spec = importlib.util.spec_from_file_location("bench_run_all", _PATH)
run_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_all)

UNITS = {"machine": {"cpu_count": 2}, "results": [
    {"encoder": "mel-mfcc 25 Hz + k-means 500", "real_time_factor": 250.0, "units_per_second": 5000},
    {"encoder": "extract end to end (flac)", "real_time_factor": 120.0, "units_per_second": 2400},
    {"encoder": "hubert-base layer 11 bfloat16 on cuda", "real_time_factor": 1500.0, "units_per_second": 30000}]}
SYNTH = {"machine": {"cpu_count": 2, "workers": 1}, "engine_rtf_per_core": 1000.0, "pipeline_rtf_per_worker": 250.0,
         "stories_per_minute": 900.0}
TRAIN_CPU = {"gpu": False, "results": [
    {"scale": "tiny-250k", "speedup_real_tokens": 2.0, "packed": {"tokens_per_s": 2000.0, "pad_fraction": 0.0},
     "padded": {"tokens_per_s": 1000.0, "pad_fraction": 0.45}},
    {"scale": "tiny-1m", "speedup_real_tokens": 1.2, "packed": {"tokens_per_s": 1200.0, "pad_fraction": 0.0},
     "padded": {"tokens_per_s": 1000.0, "pad_fraction": 0.45}}]}
TRAIN_GPU = {"gpu": True, "results": {"device": "NVIDIA H100", "scales": [
    {"scale": "309M", "recipe": {"tokens_per_s": 1e5, "mfu": 0.5}, "trainer_default": {"tokens_per_s": 2.5e4}}]}}
SCORING = {"device": "cuda", "gpu": "NVIDIA H100", "scale": "tiny-100k", "compare": [
    {"kind": "pairs", "batched_shared_pairs_per_s": 300.0, "one_pair_at_a_time_pairs_per_s": 10.0, "speedup": 30.0,
     "ceiling_pairs_per_s": 900.0, "speedup_ceiling": 90.0},
    {"kind": "cloze", "batched_shared_pairs_per_s": 50.0, "one_pair_at_a_time_pairs_per_s": 5.0, "speedup": 10.0,
     "ceiling_pairs_per_s": 60.0, "speedup_ceiling": 12.0}],
    "full": {"scale": "309M", "pairs": 28942, "total_s": 45.0}}
FIT = {"starts": 4500, "batched": {"seconds": 2.0}, "batched_grid": {"seconds": 5.0}, "plain": {"seconds": 100.0},
       "speedup_wall": 50.0, "objective_rel_diff": -3e-9, "speedup_wall_grid": 20.0, "objective_rel_diff_grid": 1e-12,
       "bootstrap": {"resamples": 1000, "seconds": 12.0}}


def test_every_benchmark_has_a_reader():
    assert {name for name, _, _ in run_all.jobs(quick=False, gpu=True)} == set(run_all.ROWS)


@pytest.mark.parametrize("name, doc, ratios, met", [
    ("units", UNITS, [250.0, 120.0, 1500.0], [True, None, False]),
    ("synth", SYNTH, [1000.0, 250.0], [True, False]),
    ("train", TRAIN_CPU, [2.0, 1.2], [True, False]),
    ("train-gpu", TRAIN_GPU, [0.5 / 0.44, 4.0], [True, None]),
    ("scoring", SCORING, [30.0, 10.0, 60 / 45], [True, False, True]),
    ("scaling_fit", FIT, [50.0, 20.0, 10 / 12], [True, False, False]),
])
def test_rows(name, doc, ratios, met):
    rows = run_all.ROWS[name](doc)
    assert [tuple(r) for r in rows] == [run_all.COLUMNS] * len(rows)
    assert [r["ratio"] for r in rows] == pytest.approx(ratios)
    assert [r["met"] for r in rows] == met
    assert all(r["benchmark"] == name and r["measured"] and r["compared"] for r in rows)
    assert run_all.table(rows).count("\n") == len(rows) + 1


def test_fit_without_plain_loop_and_quick_bootstrap():
    doc = {"starts": 300, "batched": {"seconds": 0.3}, "bootstrap": {"resamples": 200, "seconds": 0.2}}
    (boot,) = run_all.ROWS["scaling_fit"](doc)
    assert boot["met"] is None  # the <10 s goal is for 1,000 resamples


def test_failure_becomes_a_row(tmp_path):
    res = run_all.run_one("synth", "does_not_exist.py", [], tmp_path, timeout=60)
    assert res["failed"] and res["rows"][0]["measured"].startswith("failed: ")
    assert res["rows"][0]["met"] is False


def test_error_line_is_the_exception():
    err = 'Traceback (most recent call last):\n  File "x.py", line 1\n    boom()\nValueError: bad size\n'
    assert run_all.error_line(err, 1) == "ValueError: bad size"
    assert run_all.error_line("", 3) == "exit status 3"
