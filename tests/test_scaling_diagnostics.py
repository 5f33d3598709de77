"""Issue 14 items 1, 2, 3 and 8: identifiability, a bootstrap that can move, the extrapolation check."""

import warnings

import numpy as np
import pytest
from scipy import optimize

from hf_slm.scaling import bootstrap_chinchilla, default_grid, fit_chinchilla, fit_runs
from hf_slm.scaling.diagnostics import CHI2_1_95_HALF, NAMES, lr_threshold, profile_identifiability
from hf_slm.scaling.extrapolation import extrapolation_check, holdout_split
from hf_slm.scaling.huber import DELTA_CUERVO_MARXER, chinchilla_objective
from tests.helpers.scaling_designs import records, simulate, tiny_design, wide_design

DELTA = DELTA_CUERVO_MARXER


@pytest.fixture(scope="module")
def wide():
    n, d = wide_design()
    loss = simulate(n, d, seed=0)
    return n, d, loss, fit_runs(records(n, d, loss))["laws"]["speech"]["chinchilla"]


@pytest.fixture(scope="module")
def tiny():
    n, d = tiny_design()
    loss = simulate(n, d, seed=1)  # a seed where the fit drives E to 0, as the tiny demo did
    return n, d, loss, fit_runs(records(n, d, loss), bootstrap=200)["laws"]["speech"]["chinchilla"]


def test_wide_design_identifies_every_constant_and_extrapolates(wide):
    _, _, _, ch = wide
    assert ch["identifiable"] == {k: True for k in NAMES} and ch["warnings"] == []
    ex = ch["extrapolation"]
    assert ex["fitted"] and len(ex["held_out"]) == 10  # ceil(20% of 49)
    assert ex["max_abs_rel_error"] < 0.05
    assert ex["max_abs_rel_error"] == pytest.approx(max(abs(e) for e in ex["rel_error"]))


def test_tiny_design_does_not_identify_E_and_says_so(tiny):
    _, _, loss, ch = tiny
    assert ch["E"] < 1e-6 and ch["identifiable"]["E"] is False
    assert ch["profile"]["E"]["at_bound"] and ch["profile"]["E"]["open_low"]
    assert any(w.startswith("E is not identified") for w in ch["warnings"])


def test_degenerate_optimum_bootstrap_moves(tiny):
    """Killed mutant: warm starts only (every resample stays at E ~ 1e-33: a zero-width interval)."""
    n, d, loss, ch = tiny
    assert ch["bootstrap_scheme"] == "restart"
    iv = ch["intervals"]["E"]
    assert iv["high"] - iv["low"] > 0.5  # the data allow E up to most of the lowest loss
    assert iv["high"] < loss.min()
    fit = fit_chinchilla(n, d, loss, delta=DELTA)
    warm = bootstrap_chinchilla(n, d, loss, fit, n_resamples=50, delta=DELTA)
    assert warm["scheme"] == "warm" and warm["intervals"]["E"]["high"] < 1e-6  # what the restart fixes


def test_restart_bootstrap_agrees_with_an_independent_refit_of_each_resample():
    """Each restart resample's objective equals the best of scipy L-BFGS-B fits of that resample from the grid."""
    n, d = tiny_design()
    loss = simulate(n, d, seed=2)
    fit = fit_chinchilla(n, d, loss, delta=DELTA)
    grid = default_grid()
    boot = bootstrap_chinchilla(n, d, loss, fit, n_resamples=6, delta=DELTA, seed=3, restart_grid=grid)
    from hf_slm.scaling.bootstrap import resample_counts

    counts = resample_counts(n.size, 6, 3)
    ln, ld, ll = np.log(n), np.log(d), np.log(loss)
    for r in range(6):
        theta = np.array([np.log(boot["samples"][k][r]) if k in "ABE" else boot["samples"][k][r]
                          for k in ("A", "B", "E", "alpha", "beta")])
        ours = chinchilla_objective(theta[None], ln, ld, ll, DELTA, counts[r])[0][0]
        best = np.inf
        for al, be in ((0.25, 0.25), (0.5, 0.5), (1.0, 0.5), (0.5, 1.0)):
            f = lambda t: tuple(v[0] for v in chinchilla_objective(t[None], ln, ld, ll, DELTA, counts[r]))  # noqa
            out = optimize.minimize(lambda t: f(t)[0], np.array([2.0, 3.0, 0.0, al, be]),
                                    jac=lambda t: f(t)[1], method="L-BFGS-B", options={"maxiter": 20000})
            best = min(best, out.fun)
        assert ours <= best * (1 + 1e-3) + 1e-12


def test_profile_ends_sit_where_an_independent_profile_crosses_the_threshold(wide):
    """The reported ends against scipy: min over the other four constants at the end value = f̂ + Δ."""
    n, d, loss, ch = wide
    ln, ld, ll = np.log(n), np.log(d), np.log(loss)
    fit = fit_chinchilla(n, d, loss, delta=DELTA)
    theta = fit.theta
    f0 = chinchilla_objective(theta[None], ln, ld, ll, DELTA)[0][0]
    resid = np.log(fit.predict(n, d)) - ll
    thresh = lr_threshold(f0, resid, DELTA)
    col = {"E": 2, "A": 0, "B": 1, "alpha": 3, "beta": 4}
    for name in ("E", "alpha"):
        for end in ("low", "high"):
            v = ch["profile"][name][end]
            fixed = np.log(v) if name == "E" else v
            free = [i for i in range(5) if i != col[name]]

            def f(x):
                t = np.empty(5)
                t[free], t[col[name]] = x, fixed
                val, g = chinchilla_objective(t[None], ln, ld, ll, DELTA)
                return val[0], g[0][free]

            out = optimize.minimize(f, theta[free], jac=True, method="L-BFGS-B",
                                    options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 20000})
            assert out.fun - f0 == pytest.approx(thresh, rel=0.05), (name, end)


def test_threshold_is_the_likelihood_ratio_drop():
    r = np.array([0.01, -0.02, 0.005, 0.0, 0.03, -0.01, 0.02, 0.015])  # all inside δ = 0.03: quadratic part
    f = float(np.sum(0.5 * r ** 2))
    assert lr_threshold(f, r, 0.03) == pytest.approx(f * CHI2_1_95_HALF * 2 / (r.size - 5))
    assert lr_threshold(0.0, r, 0.03) > 0  # a perfect fit keeps a floor


def test_profile_flags_a_constant_whose_term_is_dead():
    n, d = wide_design()
    loss = 1.8 + 40.0 * d ** -0.3  # no N dependence at all: A and α are not in the data
    fit = fit_chinchilla(n, d, loss, delta=DELTA)
    diag = profile_identifiability(n, d, loss, fit, delta=DELTA)
    assert diag["identifiable"]["B"] and diag["identifiable"]["beta"]
    assert not diag["identifiable"]["A"] and not diag["identifiable"]["alpha"]


# the tiny demo's 12 single-epoch speech runs (h10 tiny run): E goes to 0 and its profile stays
# within Δ all the way up to the lowest loss, the walk that once never ended
TINY_DEMO_SPEECH = np.array([[996624.0, 996624.0, 996624.0, 996624.0, 238640.0, 238640.0, 238640.0, 238640.0, 55536.0, 55536.0, 55536.0, 55536.0], [98304.0, 196608.0, 397312.0, 49152.0, 98304.0, 196608.0, 397312.0, 49152.0, 98304.0, 196608.0, 397312.0, 49152.0], [3.8853697499211997, 3.1815357805558055, 2.517685815992548, 4.344004579923339, 4.123257979833656, 3.730602898354947, 3.1625192515788227, 4.387341376019715, 4.381563088071679, 4.126441391240394, 3.6948951919071957, 4.504083199184978]])


def test_a_profile_that_stays_flat_up_to_its_limit_ends(monkeypatch):
    import hf_slm.scaling.diagnostics as diagnostics

    calls = []
    real = diagnostics.lbfgs_batch

    def counted(*args, **kwargs):
        calls.append(1)
        if len(calls) > 200:
            raise RuntimeError("the profile walk does not end")
        return real(*args, **kwargs)

    monkeypatch.setattr(diagnostics, "lbfgs_batch", counted)
    n, d, loss = TINY_DEMO_SPEECH
    fit = fit_chinchilla(n, d, loss, delta=DELTA)
    diag = profile_identifiability(n, d, loss, fit, delta=DELTA)
    # 40 tenth-decade steps from 1e-4 of the lowest loss up to it, plus the bisections of the other chains
    assert len(calls) <= 40 + diagnostics.REFINE + 1
    assert diag["profile"]["E"]["at_bound"] and diag["profile"]["E"]["open_high"]
    assert not any(diag["identifiable"].values())


# the tiny demo's 6 interleaved runs: two budgets, so D^−β fits with β ≈ 34 and its term underflows
TINY_DEMO_INTERLEAVED = np.array([[996624.0, 996624.0, 238640.0, 238640.0, 55536.0, 55536.0], [98304.0, 49152.0, 98304.0, 49152.0, 98304.0, 49152.0], [5.146324076173628, 5.935250704232267, 5.944506850378387, 6.365582253480314, 6.4503540253186, 6.616148140804505]])


def test_a_fit_whose_term_underflows_stays_finite_and_silent():
    n, d, loss = TINY_DEMO_INTERLEAVED
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # overflow in the varpro floor, inf − inf in the shift
        fit = fit_chinchilla(n, d, loss, delta=DELTA)
        diag = profile_identifiability(n, d, loss, fit, delta=DELTA)
    assert np.isfinite(fit.objective) and not diag["identifiable"]["E"]


def test_holdout_is_the_top_fifth_by_compute():
    flops = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0])
    keep, held = holdout_split(flops)
    assert sorted(flops[held]) == [8.0, 9.0] and keep.size == 7  # ceil(0.2 · 9) = 2
    assert holdout_split(np.array([1.0, 2.0, 3.0]))[1].tolist() == [2]  # at least one


def test_extrapolation_check_reports_relative_errors():
    flops = np.arange(1.0, 11.0)
    observed = 2.0 * flops
    # a "refit" that predicts 10% too high on whatever it is asked
    ex = extrapolation_check(flops, observed, lambda keep, held: 1.1 * observed[held], min_fit=3,
                             names=[f"r{i}" for i in range(10)])
    assert ex["held_out"] == ["r8", "r9"] and ex["n_fit"] == 8
    assert ex["rel_error"] == pytest.approx([0.1, 0.1]) and ex["max_abs_rel_error"] == pytest.approx(0.1)
    short = extrapolation_check(flops[:3], observed[:3], lambda k, h: observed[h], min_fit=6)
    assert short["fitted"] is False and "needs 6" in short["reason"]


def test_perfect_fit_counts_starts_at_optimum_with_an_absolute_tolerance():
    from tests.helpers.scaling_runs import speech_runs

    laws = fit_runs(speech_runs(seed=0, noise=0.0, scores=False))
    ch = laws["laws"]["speech"]["chinchilla"]
    assert ch["objective"] < 1e-15 and ch["n_at_optimum"] >= 5  # purely relative: 0 of 25
    assert all(ch["identifiable"].values())
