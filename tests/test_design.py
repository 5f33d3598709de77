"""`hf-slm design` and hf_slm.scaling.design: what a grid identifies, checked against independent numbers."""

import json

import numpy as np
import pytest
from scipy import optimize

from hf_slm.cli.design import build_grid
from hf_slm.cli.main import build_parser, main
from hf_slm.modeling import TINY_SCALES, counts_for_scale
from hf_slm.scaling.design import (TOLERANCES, Grid, evaluate_design, grid_for_budget, paper_prior, prior_from_laws,
                                   search_grids, simulate_losses, summarize_constant)
from tests.conftest import REPO

# Cuervo & Marxer 2024 Table 4, speech, written out here (not read through the code under test)
SPEECH = dict(E=1.73, A=13.9, B=39.8, alpha=0.25, beta=0.24)
GRID_7x7 = Grid.ratios(np.geomspace(3e4, 3e6, 7), np.geomspace(0.5, 100, 7))
TINY_3x3 = Grid.product([55536, 238640, 996624], [100_000, 200_000, 400_000])  # the tiny demo preset


def _law(n, d, c=SPEECH):
    return c["E"] + c["A"] / n ** c["alpha"] + c["B"] / d ** c["beta"]


def test_grids_and_their_compute():
    g = Grid.ratios([1e5, 1e6], [2, 20, 200])
    assert g.n.tolist() == [1e5, 1e5, 1e5, 1e6, 1e6, 1e6]
    assert g.d.tolist() == [2e5, 2e6, 2e7, 2e6, 2e7, 2e8]
    assert g.describe()["total_flops"] == pytest.approx(6 * sum(n * d for n, d in zip(g.n, g.d)))
    p = Grid.product([1e5, 1e6], [3e6, 5e6])
    assert sorted(zip(p.n, p.d)) == [(1e5, 3e6), (1e5, 5e6), (1e6, 3e6), (1e6, 5e6)]
    for count, span, rr in ((3, 1.0, (1, 20)), (7, 3.0, (0.5, 100))):
        b = grid_for_budget(3e17, count, span, rr)
        assert 6 * np.sum(b.n * b.d) == pytest.approx(3e17, rel=1e-12)
        assert b.n.size == count * count
        assert b.n.max() / b.n.min() == pytest.approx(10 ** span)
        assert (b.d / b.n).min() == pytest.approx(rr[0]) and (b.d / b.n).max() == pytest.approx(rr[1])


def test_prior_is_the_papers_speech_law():
    p = paper_prior()
    assert (p.E, p.A, p.B, p.alpha, p.beta) == tuple(SPEECH.values())


def test_simulated_losses_follow_the_law_with_multiplicative_noise():
    exact = simulate_losses(GRID_7x7, paper_prior(), 0.0, 3, seed=1)
    assert np.allclose(exact, _law(GRID_7x7.n, GRID_7x7.d)[None], rtol=1e-14, atol=0)
    noisy = simulate_losses(GRID_7x7, paper_prior(), 0.02, 2000, seed=1)
    logratio = np.log(noisy / _law(GRID_7x7.n, GRID_7x7.d)[None])
    assert logratio.std() == pytest.approx(0.02, rel=0.02)
    assert abs(logratio.mean()) < 3 * 0.02 / np.sqrt(logratio.size)
    assert np.array_equal(noisy, simulate_losses(GRID_7x7, paper_prior(), 0.02, 2000, seed=1))


def test_identifiable_means_the_whole_range_inside_the_tolerance():
    tol = ("abs", 0.1)
    inside = 1.73 + np.linspace(-0.09, 0.09, 100)
    res = summarize_constant(inside, 1.73, tol, level=0.9)
    assert res["identifiable"] and res["within_tolerance"] == 1.0
    assert res["median"] == pytest.approx(1.73, abs=2e-3)
    # 10 of 100 below the band: the 5th percentile is outside, 90% are within
    tail = np.concatenate([np.full(10, 1.5), inside[:90]])
    res = summarize_constant(tail, 1.73, tol, level=0.9)
    assert not res["identifiable"] and res["within_tolerance"] == pytest.approx(0.9)
    # failed refits (NaN) count as off the scale
    failed = np.concatenate([inside[:90], np.full(10, np.nan)])
    res = summarize_constant(failed, 1.73, tol, level=0.9)
    assert not res["identifiable"] and res["high"] == np.inf
    # a factor tolerance for A, B: x2 either way
    assert summarize_constant(np.array([7.0, 13.9, 27.7] * 10), 13.9, ("factor", 2.0))["identifiable"]
    assert not summarize_constant(np.array([6.9, 13.9, 27.7] * 10), 13.9, ("factor", 2.0))["identifiable"]


def _optimal_loss(c, flops):
    """Compute-optimal loss by minimising over N on the isoFLOP line (no closed form used)."""
    f = lambda ln: _law(np.exp(ln), flops / (6 * np.exp(ln)), c)  # noqa: E731
    out = optimize.minimize_scalar(f, bounds=(0, np.log(flops)), method="bounded", options={"xatol": 1e-10})
    return out.fun


def test_noise_free_design_recovers_the_prior_exactly():
    res = evaluate_design(GRID_7x7, paper_prior(), noise=0.0, n_sims=2, seed=0, workers=1)
    for k, v in SPEECH.items():
        assert res["constants"][k]["median"] == pytest.approx(v, rel=1e-4), k
        assert res["constants"][k]["identifiable"], k
    assert res["compute_optimal"]["a"]["truth"] == pytest.approx(0.24 / 0.49)
    t = res["target"]
    assert t["flops"] == pytest.approx(100 * 6 * 3e6 * 3e8)
    assert t["true_loss"] == pytest.approx(_optimal_loss(SPEECH, t["flops"]), rel=1e-7)
    assert abs(t["rel_error"]["median"]) < 1e-5 and t["rel_error"]["within_5pct"] == 1.0
    assert res["e_collapsed"] == 0.0


def test_tiny_demo_grid_collapses_E_and_identifies_nothing():
    res = evaluate_design(TINY_3x3, paper_prior(), noise=0.01, n_sims=16, seed=0, workers=1)
    # 200 simulations give 50.5% collapsed (docs/examples/README.md); 16 still show it clearly
    assert 0.2 <= res["e_collapsed"] <= 0.8
    assert res["identifiable"] == {k: False for k in SPEECH}
    assert res["constants"]["E"]["low"] < 0.01 and res["constants"]["E"]["within_tolerance"] < 0.3


def test_profile_option_reports_what_the_fit_itself_would_say():
    exact = evaluate_design(GRID_7x7, paper_prior(), noise=0.0, n_sims=2, seed=0, workers=1, profile=True)
    assert exact["fit_says_identifiable"] == {k: 1.0 for k in SPEECH}
    tiny = evaluate_design(TINY_3x3, paper_prior(), noise=0.01, n_sims=4, seed=0, workers=1, profile=True)
    assert tiny["fit_says_identifiable"]["E"] == 0.0
    assert "fit_says_identifiable" not in evaluate_design(GRID_7x7, paper_prior(), noise=0.0, n_sims=2, workers=1)


def test_wide_grid_pins_the_data_exponent_and_E_lands_near_truth():
    res = evaluate_design(GRID_7x7, paper_prior(), noise=0.01, n_sims=12, seed=0, workers=1)
    assert res["e_collapsed"] == 0.0
    assert res["constants"]["E"]["median"] == pytest.approx(1.73, abs=0.1)
    assert res["identifiable"]["beta"] and res["identifiable"]["B"]
    assert res["target"]["rel_error"]["median_abs"] < 0.03


def test_workers_do_not_change_the_result():
    one = evaluate_design(GRID_7x7, paper_prior(), noise=0.01, n_sims=2, seed=3, workers=1)
    two = evaluate_design(GRID_7x7, paper_prior(), noise=0.01, n_sims=2, seed=3, workers=2)
    assert one["constants"] == two["constants"]


def test_budget_search_stays_within_budget_and_ranks():
    out = search_grids(paper_prior(), 1e16, n_sims=3, seed=0, workers=1, counts=(3, 5), spans=(2.0,),
                       ratio_ranges=((0.5, 100.0),))
    assert len(out["candidates"]) == 2 and out["best"] is out["candidates"][0]
    for c in out["candidates"]:
        assert c["grid"]["total_flops"] == pytest.approx(1e16, rel=1e-9)
        assert c["target"]["flops"] == pytest.approx(1e17)
    keys = [(-sum(c["identifiable"].values()) - c["compute_optimal"]["a"]["identifiable"],
             -c["constants"]["E"]["within_tolerance"]) for c in out["candidates"]]
    assert keys == sorted(keys)


def test_cli_budget_search_prints_the_best_grid(tmp_path, capsys, monkeypatch):
    from hf_slm.scaling import design

    monkeypatch.setattr(design, "SEARCH_COUNTS", (5,))
    monkeypatch.setattr(design, "SEARCH_SPANS", (2.0,))
    monkeypatch.setattr(design, "SEARCH_RATIOS", ((0.5, 100.0),))
    out = tmp_path / "search.json"
    assert main(["design", "--budget", "1e16", "--search-sims", "2", "--workers", "1", "--profile",
                 "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "best of 1 candidate grids" in text and "5x5" in text and "profile check" in text
    res = json.loads(out.read_text())
    assert res["kind"] == "hf-slm/design-search" and res["best"]["grid"]["n_runs"] == 25
    assert res["best"]["grid"]["total_flops"] == pytest.approx(1e16)


def test_prior_from_a_laws_file():
    laws = {"laws": {"text": {"chinchilla": {"fitted": True, "E": 1.9, "A": 400.0, "B": 1500.0, "alpha": 0.34,
                                             "beta": 0.28}}}}
    p = prior_from_laws(laws)
    assert (p.E, p.A, p.beta) == (1.9, 400.0, 0.28)


def test_cli_prints_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "design.json"
    assert main(["design", "--sizes", "3e4:3e6:7", "--ratios", "0.5:100:7", "--sims", "3", "--workers", "1",
                 "--tol", "E=0.2", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "identifiable" in text and "alpha" in text and "E collapsed" in text
    res = json.loads(out.read_text())
    assert res["grid"]["n_runs"] == 49 and res["settings"]["n_sims"] == 3
    assert res["constants"]["E"]["tolerance"]["value"] == 0.2
    assert res["constants"]["alpha"]["tolerance"]["value"] == TOLERANCES["alpha"][1]


def test_cli_preset_scale_names_and_sweep_give_their_grids():
    sizes = sorted(counts_for_scale(TINY_SCALES[s], 100, 256).n_params for s in ("tiny-50k", "tiny-250k", "tiny-1m"))
    grid = build_grid(build_parser().parse_args(
        ["design", "--sizes", "tiny-50k", "tiny-250k", "tiny-1m", "--budgets", "1e5", "2e5", "4e5"]))
    assert sorted(set(grid.n.tolist())) == sizes and sorted(set(grid.d.tolist())) == [1e5, 2e5, 4e5]
    assert grid.n.size == 9
    # --preset reads the demo preset's grid (its single-epoch runs), whatever it is today
    from hf_slm.demo.presets import PRESETS

    tiny = PRESETS["tiny"]
    preset = build_grid(build_parser().parse_args(["design", "--preset", "tiny"]))
    want_n = sorted({counts_for_scale(TINY_SCALES[s], tiny.k, tiny.context).n_params for s in tiny.scales})
    assert sorted(set(preset.n.tolist())) == want_n
    assert sorted(set(preset.d.tolist())) == sorted(set(map(float, tiny.budgets)))
    paper = str(REPO / "training/configs/sweeps/paper.yaml")
    sweep = build_grid(build_parser().parse_args(["design", "--sweep", paper]))
    assert sweep.n.size == 5 * 7  # the single-epoch block only; the multi-epoch runs are not Chinchilla points
    assert sorted(set(np.round(sweep.d / sweep.n).tolist())) == [2, 4, 8, 16, 32, 64, 128]


@pytest.mark.parametrize("argv, field", [
    (["--sizes", "1e5", "--budgets", "1e6"], "--sizes/--budgets"),
    (["--sizes", "1e5", "1e6"], "--sizes"),
    (["--sizes", "1e5", "-3", "--ratios", "1", "2", "4"], "--sizes"),
    (["--sizes", "1e5:1e4:3", "--ratios", "1", "2", "4"], "--sizes"),
    (["--preset", "tiny", "--tol", "gamma=0.1"], "--tol"),
    (["--preset", "tiny", "--tol", "A=0.5"], "--tol"),
    (["--preset", "tiny", "--prior", "nonsense"], "--prior"),
    (["--preset", "tiny", "--noise", "-1"], "--noise"),
    (["--preset", "tiny", "--sizes", "1e5", "--ratios", "2"], "--sizes"),
])
def test_cli_bad_configuration_is_one_line_exit_2(argv, field, tmp_path, capsys):
    out = tmp_path / "never.json"
    assert main(["design", *argv, "--sims", "2", "--json", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and field in err[0]
    assert not out.exists()


def test_cli_prior_from_a_laws_file(tmp_path, capsys):
    laws = {"schema_version": 1, "kind": "hf-slm/scaling-laws",
            "laws": {"text": {"chinchilla": {"fitted": True, "E": 1.87, "A": 521.0, "B": 1488.0, "alpha": 0.35,
                                             "beta": 0.35}}}}
    (tmp_path / "scaling_laws.json").write_text(json.dumps(laws))
    out = tmp_path / "d.json"
    assert main(["design", "--prior", str(tmp_path), "--sizes", "1e7:1e9:4", "--ratios", "2:100:4", "--noise", "0",
                 "--sims", "2", "--workers", "1", "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    assert res["prior"] == {"E": 1.87, "A": 521.0, "B": 1488.0, "alpha": 0.35, "beta": 0.35}
    assert res["constants"]["E"]["median"] == pytest.approx(1.87, rel=1e-3)
    assert main(["design", "--prior", str(tmp_path), "--group", "speech", "--preset", "tiny"]) == 2
    assert "--group" in capsys.readouterr().err
