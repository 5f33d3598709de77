"""Envelopes and downstream laws: run-level resampling, chance, clamped predictions, unigram groups."""

import itertools
import math

import numpy as np
import pytest

from hf_slm.scaling import fit_downstream, fit_envelope, fit_runs, plan_budget
from hf_slm.scaling.bootstrap import resample_counts
from hf_slm.scaling.fit_runs import group_of
from tests.helpers.scaling_designs import records, simulate, wide_design
from tests.helpers.scaling_runs import SPEECH, law


def _curves(sizes=(1e5, 3e5, 1e6, 3e6), points=12):
    """Noise-free learning curves of a few model sizes: (flops, loss, run index)."""
    f, l, r = [], [], []
    for i, n in enumerate(sizes):
        t = np.geomspace(1e5, 1e8, points)
        f += list(6 * n * t)
        l += list(law(n, t) * (1 + 0.01 * np.sin(3 * i + np.arange(points))))  # each run a little off the law
        r += [i] * points
    return np.array(f), np.array(l), np.array(r)


def test_resamples_have_n_draws():
    counts = resample_counts(50, 4000, seed=0)
    assert np.all(counts.sum(axis=1) == 50)
    assert counts.var() == pytest.approx(1 - 1 / 50, rel=0.05)  # multinomial(n, 1/n) per item


def test_envelope_bootstrap_resamples_whole_runs():
    """Exact bootstrap distribution by enumeration: a resample of R runs is a set S of distinct runs, with
    probability surj(R, |S|) / R^R; the std of γ over it must match the bootstrap's (points resampled
    one by one keep almost every run, and give a far narrower spread)."""
    flops, loss, runs = _curves()
    res = fit_envelope(flops, loss, runs, bootstrap=4000, seed=3)
    R = 4
    surj = {k: sum((-1) ** j * math.comb(k, j) * (k - j) ** R for j in range(k + 1)) for k in range(1, R + 1)}
    gammas, probs = [], []
    for k in range(1, R + 1):
        for subset in itertools.combinations(range(R), k):
            keep = np.isin(runs, subset)
            gammas.append(fit_envelope(flops[keep], loss[keep])["gamma"])
            probs.append(surj[k] / R ** R)
    gammas, probs = np.array(gammas), np.array(probs)
    assert probs.sum() == pytest.approx(1.0)
    mean = probs @ gammas
    std = math.sqrt(probs @ (gammas - mean) ** 2)
    assert res["intervals"]["gamma"]["std"] == pytest.approx(std, rel=0.1)


def test_downstream_law_is_not_fitted_on_scores_at_chance():
    flops = np.geomspace(1e15, 1e19, 6)
    values = np.array([0.49, 0.50, 0.51, 0.50, 0.52, 0.53])
    ci = np.stack([values - 0.04, values + 0.04], axis=1)  # every interval includes 0.5
    res = fit_downstream(flops, values, ci=ci, chance=0.5)
    assert res["fitted"] is False and "indistinguishable from chance" in res["reason"]
    clear = fit_downstream(flops, values + 0.2, ci=ci + 0.2, chance=0.5)
    assert clear["fitted"] and clear["envelope_at_chance"] == 0
    mixed = fit_downstream(flops, np.r_[values[:2], values[2:] + 0.2], ci=np.r_[ci[:2], ci[2:] + 0.2], chance=0.5)
    # the front is 0.49, 0.50, 0.71, 0.72, 0.73 (0.70 is below an earlier score): three left after chance
    assert mixed["fitted"] and mixed["n_points"] == 3 and mixed["envelope_at_chance"] == 2


def test_percent_scores_get_a_clear_reason():
    res = fit_downstream(np.geomspace(1e15, 1e19, 5), [55.0, 56, 57, 58, 59])
    assert not res["fitted"] and "fractions" in res["reason"]


def _laws_with_scores(k, gamma):
    n, d = wide_design()
    recs = records(n, d, simulate(n, d, seed=0))
    for r in recs:
        q = k * r.flops_6nd ** gamma
        r.scores = {"sblimp": {"value": q, "ci_low": q - 0.01, "ci_high": q + 0.01}}
    return fit_runs(recs)


def test_predicted_scores_are_clamped_and_far_scales_warned():
    laws = _laws_with_scores(0.05, 0.09)  # 0.05 C^0.09 passes 1 at about 3e14 FLOPs
    plan = plan_budget(laws, 1e26)
    p = plan["predicted_scores"]["sblimp"]
    assert p["value"] == 1.0 and p["clamped"] and p["extrapolated"]
    assert any("far from the compute-optimal split" in w for w in plan["warnings"])  # N_opt ≫ 823M
    seen = set()
    for flops in np.geomspace(1e16, 1e26, 21):
        plan = plan_budget(laws, flops)
        factor = plan["nearest_scale"]["n_params"] / plan["n_opt"]
        far = any("far from the compute-optimal split" in w for w in plan["warnings"])
        assert far == (not 0.5 <= factor <= 2.0), flops
        seen.add(far)
    assert seen == {True, False}


def test_unigram_runs_are_their_own_group():
    n, d = wide_design()
    speech = records(n, d, simulate(n, d, seed=0), tokenization="units")
    unigram = records(n, d, simulate(n, d, seed=1, constants={**SPEECH, "B": 60.0}), tokenization="unigram")
    for r in unigram:
        r.name = "uni-" + r.name
    assert group_of(speech[0]) == "speech" and group_of(unigram[0]) == "speech_unigram"
    laws = fit_runs(speech + unigram)
    assert set(laws["laws"]) == {"speech", "speech_unigram"}
    assert laws["laws"]["speech_unigram"]["chinchilla"]["B"] == pytest.approx(60.0, rel=0.3)
    assert laws["laws"]["speech"]["chinchilla"]["B"] == pytest.approx(SPEECH["B"], rel=0.3)


def test_flat_metric_law_is_unidentified_labelled_and_refused_as_a_target():
    from hf_slm.errors import ConfigError
    from hf_slm.scaling import plan_target

    n, d = wide_design()
    recs = records(n, d, simulate(n, d, seed=0))
    rng = np.random.default_rng(2)  # a draw whose slope is 0.25 standard errors from 0
    for r in recs:  # 0.7 whatever the compute: γ cannot be told from 0
        q = float(0.7 + 0.02 * rng.standard_normal())
        r.scores = {"sblimp": {"value": q, "ci_low": q - 0.02, "ci_high": q + 0.02}}
    laws = fit_runs(recs)
    res = laws["laws"]["speech"]["downstream"]["sblimp"]
    assert res["fitted"] and res["identifiable"] == {"k": False, "gamma": False} and res["warnings"]
    p = plan_budget(laws, 1e18)["predicted_scores"]["sblimp"]
    assert p["reliable"] is False and "gamma" in p["label"]
    with pytest.raises(ConfigError, match="--force"):
        plan_target(laws, "sblimp=0.8")


def test_downstream_only_runs_need_no_loss(tmp_path):
    from hf_slm.scaling import write_plots

    n, d = wide_design()
    recs = records(n, d, simulate(n, d, seed=0))
    for r in recs:
        q = 0.2304 * r.flops_6nd ** 0.04
        r.scores = {"sblimp": {"value": q, "ci_low": q - 0.01, "ci_high": q + 0.01}}
        r.final_test_loss = None  # a published table of scores, no losses
    laws = fit_runs(recs)
    g = laws["laws"]["speech"]
    assert not g["chinchilla"]["fitted"] and g["downstream"]["sblimp"]["fitted"]
    assert g["downstream"]["sblimp"]["gamma"] == pytest.approx(0.04, rel=0.05)
    assert not laws["excluded"] and all(p["loss"] is None and p["loss_missing"] for p in laws["points"])
    assert write_plots(laws, tmp_path)
