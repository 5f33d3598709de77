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
