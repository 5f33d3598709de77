"""Bad input: listed exclusions with reasons, laws 'not fitted' with reasons, or one-line errors."""

import json
import math

import numpy as np
import pytest

from hf_slm.errors import ConfigError
from hf_slm.scaling import fit_chinchilla, fit_runs, load_laws, plan_budget, plan_target, write_laws
from tests.helpers.scaling_runs import speech_runs

SMALL_GRID = np.array([[a, b, e, al, be] for a in (0.0, 5.0) for b in (0.0, 5.0) for e in (0.0, 0.5)
                       for al in (0.2, 0.5) for be in (0.2, 0.5)])


def test_bad_points_are_excluded_with_their_reason():
    runs = speech_runs(scores=False)
    runs[0].final_test_loss = float("nan")
    runs[1].final_test_loss = -1.0
    runs[2].n_params = 0
    runs[3].tokens_seen = -5
    runs[4].status = "running"
    runs[5].mode = "video"
    laws = fit_runs(runs, grid=SMALL_GRID)
    reasons = {e["run"]: e["reason"] for e in laws["excluded"]}
    assert len(reasons) == 6
    assert "final_test_loss" in reasons[runs[0].name] and "final_test_loss" in reasons[runs[1].name]
    assert "n_params" in reasons[runs[2].name] and "tokens_seen" in reasons[runs[3].name]
    assert "running" in reasons[runs[4].name] and "mode" in reasons[runs[5].name]
    assert laws["laws"]["speech"]["chinchilla"]["n_points"] == 29
    assert len(laws["points"]) == 29
    json.dumps(laws, allow_nan=False)  # strict JSON


def test_too_few_points_is_not_fitted_with_reason():
    runs = speech_runs(scores=False)[:5]
    laws = fit_runs(runs, grid=SMALL_GRID)
    ch = laws["laws"]["speech"]["chinchilla"]
    assert ch == {"fitted": False, "reason": ch["reason"]} and "at least 6" in ch["reason"]
    assert not laws["laws"]["speech"]["compute_optimal"]["fitted"]
    assert laws["laws"]["speech"]["envelope"]["fitted"]  # the learning curves still give an envelope


def test_single_model_size_is_not_fitted_with_reason():
    runs = [r for r in speech_runs(scores=False) if r.scale == "85M"]
    laws = fit_runs(runs, grid=SMALL_GRID)
    g = laws["laws"]["speech"]
    assert not g["chinchilla"]["fitted"] and "single model size" in g["chinchilla"]["reason"]
    assert "single model size" in g["compute_optimal"]["reason"]
    assert g["envelope"]["fitted"]  # loss vs compute is still a power law over one size


def test_nothing_fittable_is_a_config_error():
    runs = [r for r in speech_runs(scores=False) if r.scale == "85M"][:2]
    for r in runs:
        r.learning_curve = []
    with pytest.raises(ConfigError, match="no law can be fitted.*6"):
        fit_runs(runs, grid=SMALL_GRID)


def test_no_usable_run_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="--runs"):
        fit_runs(tmp_path)
    runs = speech_runs(scores=False)[:2]
    for r in runs:
        r.final_test_loss = None
    with pytest.raises(ConfigError, match="none of the 2 runs"):
        fit_runs(runs)


def test_bad_settings_are_config_errors():
    with pytest.raises(ConfigError, match="--delta"):
        fit_runs(speech_runs(scores=False), delta=0)
    with pytest.raises(ConfigError, match="--bootstrap"):
        fit_runs(speech_runs(scores=False), bootstrap=-1)


def test_fit_chinchilla_refuses_fewer_points_than_constants():
    with pytest.raises(ValueError, match="5 constants"):
        fit_chinchilla([1e6, 2e6, 3e6], [1e9, 2e9, 3e9], [3.0, 2.9, 2.8])


def test_laws_file_round_trip_and_bad_files(tmp_path):
    laws = fit_runs(speech_runs(), grid=SMALL_GRID)
    path = write_laws(tmp_path, laws)
    assert path.name == "scaling_laws.json"
    again = load_laws(tmp_path)
    assert again["laws"]["speech"]["chinchilla"]["E"] == laws["laws"]["speech"]["chinchilla"]["E"]
    (tmp_path / "x.json").write_text('{"hello": 1}')
    with pytest.raises(ConfigError, match="not a scaling-laws file"):
        load_laws(tmp_path / "x.json")
    newer = dict(laws, schema_version=99)
    (tmp_path / "y.json").write_text(json.dumps(newer))
    with pytest.raises(ConfigError, match="schema_version"):
        load_laws(tmp_path / "y.json")
    with pytest.raises(ConfigError, match="does not exist"):
        load_laws(tmp_path / "missing.json")


def test_planner_rejects_unreachable_targets():
    laws = fit_runs(speech_runs(), grid=SMALL_GRID)
    E = laws["laws"]["speech"]["chinchilla"]["E"]
    with pytest.raises(ConfigError, match="irreducible"):
        plan_target(laws, f"loss={E * 0.99}")
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        plan_target(laws, "loss")
    with pytest.raises(ConfigError, match="no downstream law"):
        plan_target(laws, "swuggy=0.7")
    with pytest.raises(ConfigError, match=r"\(0, 1\)"):
        plan_target(laws, "sblimp=1.5")
    with pytest.raises(ConfigError, match="--mode"):
        plan_target(laws, "loss=2.1", mode="text")
    with pytest.raises(ConfigError, match="--flops"):
        plan_budget(laws, -1.0)
    with pytest.raises(ConfigError, match="--mfu"):
        plan_budget(laws, 1e20, mfu=0.0)
    assert laws["laws"]["speech"]["chinchilla"]["identifiable"]["alpha"] is False  # A·N^−α: only the product
    with pytest.raises(ConfigError, match="--force"):  # ... so the planner refuses by default
        plan_target(laws, "loss=2.1")
    forced = plan_target(laws, "loss=2.1", force=True)
    assert math.isfinite(forced["flops"]) and forced["reliable"] is False and "alpha" in forced["label"]
    assert forced["nearest_scale"]["reliable"] is False
