"""Recovery: data generated from known laws are fitted back inside the reported intervals."""

import numpy as np
import pytest

from hf_slm.scaling import default_grid, fit_downstream, fit_runs
from tests.helpers.scaling_runs import SBLIMP, SPEECH, speech_runs


@pytest.fixture(scope="module")
def laws():
    return fit_runs(speech_runs(seed=0, noise=0.005), delta=0.03, bootstrap=300, seed=0)


def test_chinchilla_constants_recovered_inside_intervals(laws):
    ch = laws["laws"]["speech"]["chinchilla"]
    assert ch["fitted"] and ch["n_points"] == 35
    assert ch["bootstrap_resamples"] >= 290
    for name, true in SPEECH.items():
        iv = ch["intervals"][name]
        assert iv["low"] <= true <= iv["high"], (name, true, iv)
        assert iv["low"] <= ch[name] <= iv["high"], (name, ch[name], iv)
    # the well-determined constants are also close in absolute terms
    assert ch["E"] == pytest.approx(SPEECH["E"], abs=0.1)
    assert ch["beta"] == pytest.approx(SPEECH["beta"], abs=0.03)


def test_noise_free_data_recovered_exactly():
    laws = fit_runs(speech_runs(seed=0, noise=0.0, scores=False), delta=0.03)
    ch = laws["laws"]["speech"]["chinchilla"]
    for name, true in SPEECH.items():
        assert ch[name] == pytest.approx(true, rel=1e-3), name
    assert ch["objective"] < 1e-10


def test_compute_optimal_intervals_from_the_bootstrap(laws):
    co = laws["laws"]["speech"]["compute_optimal"]
    a_true = SPEECH["beta"] / (SPEECH["alpha"] + SPEECH["beta"])
    assert co["intervals"]["a"]["low"] <= a_true <= co["intervals"]["a"]["high"]
    assert co["a"] + co["b"] == pytest.approx(1.0)


def test_downstream_power_law_recovered(laws):
    ds = laws["laws"]["speech"]["downstream"]["sblimp"]
    assert ds["fitted"]
    iv = ds["intervals"]["gamma"]
    assert iv["low"] <= SBLIMP["gamma"] <= iv["high"]
    assert ds["gamma"] == pytest.approx(SBLIMP["gamma"], rel=0.05)
    assert ds["vs_loss"]["pearson_r"] < -0.9  # lower loss, better score


def test_downstream_power_law_direct():
    rng = np.random.default_rng(3)
    c = np.geomspace(1e17, 1e21, 25)
    q = 0.3 * c ** 0.02 * np.exp(0.002 * rng.standard_normal(c.size))
    res = fit_downstream(c, q, bootstrap=300, seed=0)
    assert res["intervals"]["gamma"]["low"] <= 0.02 <= res["intervals"]["gamma"]["high"]
    assert res["k"] == pytest.approx(0.3, rel=0.1)


def test_loss_envelope_follows_the_learning_curves(laws):
    env = laws["laws"]["speech"]["envelope"]
    assert env["fitted"] and env["gamma"] < 0
    # every envelope point is the lowest loss reached at or below its compute
    f = np.array(env["points"]["flops"])
    assert np.all(np.diff(f) > 0) and np.all(np.diff(env["points"]["loss"]) < 0)
    assert env["intervals"]["gamma"]["low"] <= env["gamma"] <= env["intervals"]["gamma"]["high"]


def test_speech_vs_text_efficiency_ratio():
    text_law = {"E": 1.87, "A": 521.0, "B": 1488.0, "alpha": 0.35, "beta": 0.35}
    runs = speech_runs(seed=1)
    text = speech_runs(seed=2, mode="text", constants=text_law)
    for r in text:  # text learns faster: γ three times the speech one
        c = r.flops_6nd
        r.scores["sblimp"]["value"] = float(0.05 * c ** 0.063)
    laws = fit_runs(runs + text, delta=0.03, grid=default_grid()[::9])  # only γ matters here
    cmp = laws["comparisons"]["sblimp"]["text/speech"]
    assert cmp["ratio"] == pytest.approx(0.063 / 0.021, rel=0.05)
    assert cmp["log10_compute_factor_for_10x"] == pytest.approx(cmp["ratio"])


def test_data_constrained_stage_two_from_multi_epoch_runs():
    from hf_slm.scaling import Constants, data_constrained_loss

    c = Constants(**SPEECH)
    r_d, r_n = 25.0, 31.0  # the paper's speech R*_D, R*_N
    runs = speech_runs(seed=5, scores=False, noise=0.002)
    rng = np.random.default_rng(6)
    extra = []
    for base in runs[::3]:
        for epochs in (2, 4, 8, 10, 40):  # the paper's extra epochs, and one far out
            r = type(base)(**{**base.__dict__, "learning_curve": []})
            r.name = f"{base.name}-e{epochs}"
            r.unique_tokens = int(base.tokens_seen / epochs)
            r.epochs = float(epochs)
            r.final_test_loss = float(data_constrained_loss(r.n_params, r.tokens_seen, r.unique_tokens, c, r_d, r_n)
                                      * np.exp(0.002 * rng.standard_normal()))
            extra.append(r)
    laws = fit_runs(runs + extra, delta=0.03, bootstrap=100)
    dc = laws["laws"]["speech"]["data_constrained"]
    assert dc["fitted"] and dc["n_points"] == len(extra)
    iv = dc["intervals"]["R_D_star"]
    assert iv["low"] <= r_d <= iv["high"]
    assert iv["bootstrap_low"] <= dc["R_D_star"] <= iv["bootstrap_high"]
    assert all(p["used_in"] == ["data_constrained"] for p in laws["points"] if "-e" in p["run"])
