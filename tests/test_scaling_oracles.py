"""The published oracles of ../shared/reference/README.md (T1–T7), on the copies in tests/data."""

import csv

import numpy as np
import pytest

from hf_slm.scaling import (ComputeOptimal, Constants, bootstrap_chinchilla, data_constrained_loss, fit_chinchilla,
                            fit_chinchilla_likelihood, fit_chinchilla_lsq, fit_decay, huber_objective)
from hf_slm.scaling.data_constrained import huber_log_objective, r_squared, unique_params
from tests.conftest import DATA


def _epoch_points():
    rows = list(csv.DictReader((DATA / "chinchilla_epoch_svg.csv").open()))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    keep = loss < np.sort(loss)[-5]  # Epoch drops the 5 highest losses
    return n[keep], c[keep] / (6 * n[keep]), loss[keep], c[keep]


@pytest.fixture(scope="module")
def epoch():
    return _epoch_points()


@pytest.fixture(scope="module")
def t1(epoch):
    n, d, loss, _ = epoch
    return fit_chinchilla(n, d, loss, delta=1e-3)  # varpro over the 4,500-start grid's (α, β)


@pytest.fixture(scope="module")
def t1_grid(epoch):
    n, d, loss, _ = epoch
    return fit_chinchilla(n, d, loss, delta=1e-3, method="grid")  # every one of the 4,500 starts


def test_epoch_data_has_240_points(epoch):
    assert epoch[0].size == 240


def _assert_t1(fit):
    assert fit.E == pytest.approx(1.8172, abs=1e-3)
    assert fit.alpha == pytest.approx(0.3473, abs=1e-3)
    assert fit.beta == pytest.approx(0.3672, abs=1e-3)
    assert fit.A == pytest.approx(477.8, rel=0.02)
    assert fit.B == pytest.approx(2143, rel=0.05)
    assert fit.objective == pytest.approx(1.018274e-3, rel=1e-5)
    assert fit.converged
    # many starts reach the optimum, but not all: the grid has real local minima / flat regions
    assert 1 < fit.n_at_optimum < fit.n_starts


def test_t1_approach3_summed_huber(t1):
    assert t1.n_starts == 25 and t1.extra["method"] == "varpro"  # the grid's distinct (α, β)
    _assert_t1(t1)


def test_t1_every_grid_start_as_hoffmann(t1_grid, t1):
    assert t1_grid.n_starts == 4500 and t1_grid.extra["method"] == "grid"
    _assert_t1(t1_grid)
    assert t1_grid.n_at_optimum > 10
    assert t1.objective == pytest.approx(t1_grid.objective, rel=1e-9)


def test_t1b_mean_objective_stops_early_and_the_sum_fit_beats_it(epoch, t1):
    n, d, loss, _ = epoch
    t1b = np.array([np.log(851.5), np.log(692.6), np.log(1.784), 0.381, 0.311])
    assert t1.objective < huber_objective(t1b, n, d, loss, 1e-3)
    # averaging makes the objective ~240x smaller, so scipy-default tolerances stop too soon
    mean_fit = fit_chinchilla(n, d, loss, delta=1e-3, reduce="mean", polish=False, method="grid")
    assert huber_objective(mean_fit.theta, n, d, loss, 1e-3) > t1.objective * 1.01
    # varpro's starts run at tight tolerances, so averaging no longer stops them early
    mean_vp = fit_chinchilla(n, d, loss, delta=1e-3, reduce="mean", polish=False)
    assert huber_objective(mean_vp.theta, n, d, loss, 1e-3) == pytest.approx(t1.objective, rel=1e-6)


def test_t2_epoch_likelihood_fit(epoch):
    n, d, loss, _ = epoch
    fit = fit_chinchilla_likelihood(n, d, loss)
    assert fit.A == pytest.approx(482.006, rel=1e-3)
    assert fit.B == pytest.approx(2085.434, rel=1e-3)
    assert fit.E == pytest.approx(1.81686, abs=1e-4)
    assert fit.alpha == pytest.approx(0.347813, abs=1e-5)
    assert fit.beta == pytest.approx(0.365854, abs=1e-5)
    assert fit.converged  # BFGS ends on "precision loss" with a negligible gradient: that is the optimum
    assert fit.extra["grad_scaled"] < 1e-7


def test_t2_stopped_early_on_precision_loss_is_not_converged(epoch, monkeypatch):
    """A BFGS that ends on "precision loss" far from the optimum must not pass for converged."""
    from hf_slm.scaling import chinchilla

    minimize = chinchilla.optimize.minimize

    def stopped(*args, options=None, **kw):
        out = minimize(*args, options={**(options or {}), "maxiter": 5}, **kw)
        out.status, out.success = 2, False  # what BFGS reports when its line search gives up
        return out

    monkeypatch.setattr(chinchilla.optimize, "minimize", stopped)
    n, d, loss, _ = epoch
    fit = fit_chinchilla_likelihood(n, d, loss)
    assert not fit.converged and fit.extra["grad_scaled"] > 1e-6


def test_t3_bootstrap_loosely(epoch, t1):
    n, d, loss, _ = epoch
    boot = bootstrap_chinchilla(n, d, loss, t1, n_resamples=300, delta=1e-3, seed=1)
    assert boot["n_converged"] >= 290
    sd = boot["std"]
    assert sd["E"] == pytest.approx(0.0257, rel=0.3)
    assert sd["alpha"] == pytest.approx(0.0154, rel=0.3)
    assert sd["beta"] == pytest.approx(0.0206, rel=0.3)
    iv = boot["intervals"]
    assert iv["E"]["low"] == pytest.approx(1.769, abs=0.015) and iv["E"]["high"] == pytest.approx(1.871, abs=0.015)
    assert iv["alpha"]["low"] < 0.3473 < iv["alpha"]["high"]


def test_t5_least_squares_on_loss(epoch):
    n, d, loss, c = epoch
    m = c < 1e21
    assert m.sum() == 217
    fit = fit_chinchilla_lsq(n[m], d[m], loss[m], n_unit=1e6, d_unit=1e9)
    assert fit.objective == pytest.approx(0.062414, rel=1e-4)
    assert fit.E == pytest.approx(1.9051, abs=1e-3)
    assert fit.A == pytest.approx(4.0005, rel=1e-3)
    assert fit.B == pytest.approx(1.0509, rel=1e-3)
    assert fit.alpha == pytest.approx(0.3511, abs=1e-3)
    assert fit.beta == pytest.approx(0.4587, abs=1e-3)


def test_t6_compute_optimal_with_epoch_constants():
    co = ComputeOptimal.from_constants(1.81686, 482.006, 2085.434, 0.347813, 0.365854)
    assert co.a == pytest.approx(0.5126, abs=1e-4)
    assert co.a + co.b == pytest.approx(1.0)
    assert co.n_opt(5.76e23) == pytest.approx(7.22e10, rel=5e-3)
    assert co.d_opt(5.76e23) == pytest.approx(1.33e12, rel=5e-3)
    # 6 N_opt D_opt spends the budget exactly; the loss inverse finds the budget back
    assert 6 * co.n_opt(1e21) * co.d_opt(1e21) == pytest.approx(1e21, rel=1e-12)
    assert co.flops_for_loss(float(co.loss(1e21))) == pytest.approx(1e21, rel=1e-9)


# --- datablations (Muennighoff et al. 2023) -------------------------------------------------------

PUBLISHED = Constants(E=float(np.exp(0.6254804)), A=float(np.exp(6.255414)), B=float(np.exp(7.3049974)),
                      alpha=0.3526596, beta=0.3526596)
R_D, R_N = 15.387756, 5.309743


@pytest.fixture(scope="module")
def datablations():
    rows = list(csv.DictReader((DATA / "datablations_runs.csv").open()))
    return tuple(np.array([float(r[k]) for r in rows]) for k in ("N", "D", "U", "loss"))


def test_t7a_law_with_published_constants():
    assert data_constrained_loss(8.7e9, 178e9, 178e9 / 7, PUBLISHED, R_D, R_N) == pytest.approx(2.2261, abs=1e-4)
    # no repetition: the law is Chinchilla's
    assert data_constrained_loss(1e9, 2e10, 2e10, PUBLISHED, R_D, R_N) == pytest.approx(2.5646, abs=1e-4)


def test_t7b_t7c_fit_quality_of_published_constants(datablations):
    n, d, u, loss = datablations
    assert n.size == 182
    pred = data_constrained_loss(n, d, u, PUBLISHED, R_D, R_N)
    assert r_squared(pred, loss) == pytest.approx(0.7722, abs=1e-4)
    plain = PUBLISHED.E + PUBLISHED.A * n ** -PUBLISHED.alpha + PUBLISHED.B * d ** -PUBLISHED.beta
    assert r_squared(plain, loss) == pytest.approx(0.4452, abs=1e-4)
    assert huber_log_objective(pred, loss, 1e-3) == pytest.approx(0.0158259, rel=1e-5)


def test_t7d_decay_refit_is_flat_in_r_d(datablations):
    n, d, u, loss = datablations
    fit = fit_decay(n, d, u, loss, PUBLISHED, delta=1e-3)
    assert fit.objective == pytest.approx(0.0158047, rel=1e-5)
    assert fit.objective < 0.0158259  # lower than the published point, a local minimum
    assert fit.R_D_star == pytest.approx(95, rel=0.1)
    assert fit.R_N_star == pytest.approx(1.71, rel=0.05)
    # reported as ill-determined, with an interval that holds both the published and refitted R*_D
    assert "R_D_star" in fit.ill_determined
    iv = fit.intervals["R_D_star"]
    assert iv["ill_determined"] and iv["low"] < R_D < 95 < iv["high"] and iv["high"] / iv["low"] > 10


def test_t7e_compute_optimal_and_unique_params():
    co = ComputeOptimal.from_constants(PUBLISHED.E, PUBLISHED.A, PUBLISHED.B, PUBLISHED.alpha, PUBLISHED.beta)
    assert co.n_opt(5.76e23) == pytest.approx(6.9962e10, rel=1e-4)
    assert co.d_opt(5.76e23) == pytest.approx(1.37217e12, rel=1e-4)
    assert unique_params(1e12, 1e8, PUBLISHED) == pytest.approx(5.0987e6, rel=1e-4)
    # with α = β, U_N = G² U_D
    assert unique_params(1e12, 1e8, PUBLISHED) == pytest.approx(co.G ** 2 * 1e8, rel=1e-9)
