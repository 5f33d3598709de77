"""Variable-projection starts: exact coefficients at the true exponents, and the grid's optimum."""

import numpy as np
import pytest

from hf_slm.scaling import default_grid, fit_chinchilla
from hf_slm.scaling.varpro import exponent_pairs, linear_coefficients, varpro_starts
from tests.helpers.scaling_runs import SPEECH, law, speech_runs


def _paper_grid_points(noise: float, seed: int = 0):
    runs = speech_runs(seed=seed, noise=noise, scores=False)
    n = np.array([r.n_params for r in runs], np.float64)
    d = np.array([r.tokens_seen for r in runs], np.float64)
    return n, d, np.array([r.final_test_loss for r in runs])


def test_default_grid_has_25_exponent_pairs():
    pairs = exponent_pairs(default_grid())
    assert pairs.shape == (25, 2)
    assert set(pairs[:, 0]) == {0.0, 0.5, 1.0, 1.5, 2.0}


def test_linear_coefficients_exact_at_the_true_exponents():
    n, d, _ = _paper_grid_points(noise=0.0)
    loss = law(n, d)
    log_a, log_b, log_e = linear_coefficients(np.log(n), np.log(d), loss, SPEECH["alpha"], SPEECH["beta"])
    assert np.exp([log_a, log_b, log_e]) == pytest.approx([SPEECH["A"], SPEECH["B"], SPEECH["E"]], rel=1e-8)


def test_a_dead_term_starts_alive():
    # β = 0 makes B's column equal to E's; NNLS zeroes one of them, the start keeps it small but nonzero
    n, d, loss = _paper_grid_points(noise=0.0)
    starts = varpro_starts(np.log(n), np.log(d), loss, np.array([[0, 0, 0, 0.5, 0.0]]))
    assert np.all(np.isfinite(starts)) and starts.shape == (1, 5)


def test_a_term_that_underflows_everywhere_is_fitted_without_it():
    # seed 1 of the tiny demo's interleaved runs (two budgets, 49k and 98k tokens) at β = 67: D^-β is
    # subnormal (1e-314) at every point; NNLS given that column answered [nan, inf] and log() warned.
    # The other two coefficients are then the fit without the term.
    import warnings

    from scipy import optimize

    from tests.helpers.scaling_designs import SEED1_INTERLEAVED

    n, d, loss = (np.array(v) for v in SEED1_INTERLEAVED)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_a, log_b, log_e = linear_coefficients(np.log(n), np.log(d), loss, 0.0574, 67.0)
    # independently: NNLS of the relative residual on the two live columns, A N^-α and E
    cols = np.stack([n ** -0.0574, np.ones_like(n)], axis=1) / loss[:, None]
    (a, e), _ = optimize.nnls(cols, np.ones_like(n))
    assert np.isfinite([log_a, log_b, log_e]).all()
    assert np.exp(log_a) == pytest.approx(a, rel=1e-6)
    if e > 0:
        assert np.exp(log_e) == pytest.approx(e, rel=1e-6)
    assert np.isfinite(log_b)  # the floor: a small start, not a coefficient


def test_a_term_that_overflows_is_fitted_without_it():
    # the tiny demo's seed-2 fit: a profile start held α with β at -60 from the L-BFGS before it; D^60 on
    # 4e5 tokens is inf, and NNLS stopped the whole fit stage ("array must not contain infs or NaNs")
    import warnings

    from scipy import optimize

    n = np.repeat([55_536.0, 238_640.0, 996_624.0], 4)
    d = np.tile([49_152.0, 98_304.0, 196_608.0, 397_312.0], 3)
    loss = 1.5 + 4.0 * d ** -0.3 + 0.1 * n ** -0.05
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_a, log_b, log_e = linear_coefficients(np.log(n), np.log(d), loss, 0.05, -60.0)
    cols = np.stack([n ** -0.05, np.ones_like(n)], axis=1) / loss[:, None]
    (a, e), _ = optimize.nnls(cols, np.ones_like(n))
    assert np.exp(log_a) == pytest.approx(a, rel=1e-6) and np.exp(log_e) == pytest.approx(e, rel=1e-6)
    # B starts where its term is a thousandth of the mean relative loss: finite, and tiny
    mean_term = np.mean(np.exp(log_b + 60.0 * np.log(d) - np.log(loss)))
    assert np.isfinite(log_b) and mean_term == pytest.approx(1e-3, rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_varpro_reaches_the_grid_optimum_on_paper_grid_data(seed):
    n, d, loss = _paper_grid_points(noise=0.005, seed=seed)
    vp = fit_chinchilla(n, d, loss, delta=0.03)
    grid = fit_chinchilla(n, d, loss, delta=0.03, method="grid")
    assert vp.objective <= grid.objective * (1 + 1e-6)
    assert vp.n_at_optimum >= 5  # several of the 25 starts end in the same valley
    for name in ("E", "A", "B", "alpha", "beta"):
        assert getattr(vp, name) == pytest.approx(getattr(grid, name), rel=1e-3), name


def test_unknown_method_is_refused():
    n, d, loss = _paper_grid_points(noise=0.0)
    with pytest.raises(ValueError, match="method"):
        fit_chinchilla(n, d, loss, method="brent")
