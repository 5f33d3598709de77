"""The numerical pieces: batched L-BFGS, the objective's gradient, power laws, envelopes, resampling."""

import numpy as np
import pytest
from scipy import optimize

from hf_slm.scaling.bootstrap import interval, resample_counts
from hf_slm.scaling.huber import ChinchillaObjective, huber
from hf_slm.scaling.laws_file import clean
from hf_slm.scaling.lbfgs import lbfgs_batch
from hf_slm.scaling.powerlaw import fit_power_law, log_binned_front, pareto_front


def rosen(x, rows=None):
    f = np.sum(100.0 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2, axis=1)
    g = np.zeros_like(x)
    g[:, :-1] = -400 * x[:, :-1] * (x[:, 1:] - x[:, :-1] ** 2) - 2 * (1 - x[:, :-1])
    g[:, 1:] += 200 * (x[:, 1:] - x[:, :-1] ** 2)
    return f, g


def test_batched_lbfgs_solves_each_row_like_scipy():
    rng = np.random.default_rng(0)
    x0 = rng.uniform(-2, 2, size=(50, 2))  # 2-D: a single minimum at (1, 1)
    res = lbfgs_batch(rosen, x0, gtol=1e-10, ftol=0.0, max_iter=5000)
    assert res.converged.all()
    assert np.allclose(res.x, 1.0, atol=1e-6)
    ref = optimize.minimize(lambda t: tuple(v[0] for v in rosen(t[None])), x0[0], jac=True, method="L-BFGS-B")
    assert res.fun[0] <= ref.fun + 1e-12


def test_objective_gradient_matches_finite_differences_with_weights():
    rng = np.random.default_rng(1)
    n = 40
    ln, ld = rng.uniform(16, 24, n), rng.uniform(19, 27, n)
    ll = np.log(rng.uniform(1.8, 3.5, n))
    theta = np.column_stack([rng.uniform(0, 20, 6), rng.uniform(0, 20, 6), rng.uniform(-1, 1, 6),
                             rng.uniform(0.05, 1.5, 6), rng.uniform(0.05, 1.5, 6)])
    theta[0, 0] = 800.0  # overflows the fast path: the max-shifted branch must take over
    w = rng.integers(0, 3, size=(6, n)).astype(float)
    obj = ChinchillaObjective(ln, ld, ll, 0.03, weights=w)
    rows = np.arange(6)
    f, g = obj(theta, rows)
    assert np.all(np.isfinite(f)) and np.all(np.isfinite(g))
    eps = 1e-6
    for j in range(5):
        tp, tm = theta.copy(), theta.copy()
        tp[:, j] += eps
        tm[:, j] -= eps
        fd = (obj(tp, rows)[0] - obj(tm, rows)[0]) / (2 * eps)
        assert np.allclose(fd, g[:, j], rtol=1e-5, atol=1e-6), j
    # the value is the plain definition
    pred = np.logaddexp(np.logaddexp(theta[1, 0] - theta[1, 3] * ln, theta[1, 1] - theta[1, 4] * ld), theta[1, 2])
    assert f[1] == pytest.approx(np.sum(w[1] * huber(pred - ll, 0.03)), rel=1e-12)


def test_huber_branches():
    r = np.array([-1.0, -0.01, 0.0, 0.02, 2.0])
    expect = np.where(np.abs(r) <= 0.03, 0.5 * r ** 2, 0.03 * (np.abs(r) - 0.015))
    assert np.allclose(huber(r, 0.03), expect, rtol=0, atol=1e-15)


def test_power_law_exact_and_inverse():
    x = np.geomspace(1e15, 1e20, 9)
    law = fit_power_law(x, 0.4 * x ** 0.03)
    assert law.gamma == pytest.approx(0.03, abs=1e-12) and law.k == pytest.approx(0.4, rel=1e-9)
    assert law.x_for(law(3e17)) == pytest.approx(3e17, rel=1e-9)
    with pytest.raises(ValueError):
        fit_power_law([1.0, 1.0], [2.0, 3.0])


def test_pareto_front_min_and_max():
    x = np.array([1, 2, 3, 4, 5, 5.0])
    y = np.array([5, 6, 4, 4.5, 3, 2.5])
    assert pareto_front(x, y).tolist() == [0, 2, 5]
    assert pareto_front(x, y, minimize=False).tolist() == [0, 1]
    idx = log_binned_front(np.geomspace(1, 1e4, 50), np.linspace(3, 1, 50), 10)
    assert idx.size == 10


def test_resampling_counts_and_groups():
    c = resample_counts(7, 100, seed=0)
    assert c.shape == (100, 7) and np.all(c.sum(axis=1) == 7)
    g = resample_counts(6, 50, seed=0, groups=[0, 0, 1, 1, 2, 2])
    assert np.all(g[:, 0] == g[:, 1]) and np.all(g[:, 4] == g[:, 5])
    assert interval([np.nan, 1.0, 2.0, 3.0], 0.5) == (1.5, 2.5)


def test_clean_makes_strict_json():
    out = clean({"a": np.float64(np.nan), "b": [np.int64(3), float("inf")], "c": np.array([1.0, 2.0])})
    assert out == {"a": None, "b": [3, None], "c": [1.0, 2.0]}
