"""The design advisor: what a planned grid of runs will identify, before any GPU-hour is spent.

A prior law L(N, D) = E + A/N^α + B/D^β is evaluated on the grid's (N, D) points, each loss is
multiplied by exp(σ·z) with z ~ N(0, 1) (σ = `noise`, multiplicative noise on the loss, the
fits' log-residual scale), and every simulated data set is refitted with the project's own fit
(`fit_chinchilla`, varpro starts, Huber δ as `hf-slm fit` uses it). What comes back, per constant:
the median and the central `level` range (90%) of the refits, the share of refits within the
tolerance of the prior's value, and `identifiable`: true when the whole range lies within
prior ± tolerance. Beside them: the compute-optimal exponent a = β/(α+β), the share of refits
whose E collapses to ~0 (the tiny demo's failure), and the relative error of the compute-optimal
loss each refit predicts at a target compute.

`search_grids` spends a total FLOP budget on a family of square grids (sizes × D/N ratios, log
spaced) and ranks them by what they identify.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from hf_slm.errors import ConfigError
from hf_slm.paper import paper_constants
from hf_slm.scaling.chinchilla import METHODS, fit_chinchilla
from hf_slm.scaling.compute_optimal import ComputeOptimal
from hf_slm.scaling.data_constrained import Constants
from hf_slm.scaling.diagnostics import profile_identifiability
from hf_slm.scaling.formulas import chinchilla_loss, compute_optimal_split
from hf_slm.scaling.huber import DELTA_CUERVO_MARXER

LEVEL = 0.90
DELTA = DELTA_CUERVO_MARXER  # what `hf-slm fit` uses, so the refits judge that fit
CONSTANTS = ("E", "A", "B", "alpha", "beta")
# ("abs", t): within ±t of the prior; ("factor", f): within a factor f of it (A and B span decades)
TOLERANCES = {"E": ("abs", 0.1), "A": ("factor", 2.0), "B": ("factor", 2.0), "alpha": ("abs", 0.05),
              "beta": ("abs", 0.05), "a": ("abs", 0.05)}
COLLAPSE_SHARE = 0.01  # a refitted E below 1% of the prior's counts as collapsed to ~0
TARGET_FACTOR = 100.0  # default target compute: 100x the grid's largest run
PAPER_LAWS = ("speech", "text_muennighoff", "speech_unigram")


@dataclass(frozen=True)
class Grid:
    """The single-epoch runs of a design: parameters N and tokens D, one entry per run."""
    n: np.ndarray
    d: np.ndarray

    @classmethod
    def product(cls, sizes, budgets) -> "Grid":
        n, d = np.meshgrid(np.asarray(sizes, np.float64), np.asarray(budgets, np.float64), indexing="ij")
        return cls(n.ravel(), d.ravel())

    @classmethod
    def ratios(cls, sizes, ratios) -> "Grid":
        n, r = np.meshgrid(np.asarray(sizes, np.float64), np.asarray(ratios, np.float64), indexing="ij")
        return cls(n.ravel(), (n * r).ravel())

    @property
    def flops(self) -> np.ndarray:
        return 6.0 * self.n * self.d

    def describe(self) -> dict:
        return {"n_runs": int(self.n.size), "n_params": np.unique(self.n).tolist(),
                "tokens": np.unique(self.d).tolist(),
                "d_over_n": [float((self.d / self.n).min()), float((self.d / self.n).max())],
                "total_flops": float(self.flops.sum()), "max_run_flops": float(self.flops.max()),
                "points": [[float(a), float(b)] for a, b in zip(self.n, self.d)]}


def paper_prior(name: str = "speech") -> Constants:
    """A law of Cuervo & Marxer 2024 Table 4 (speech by default) as the prior."""
    table = paper_constants()["cuervo_marxer_2024"]["table4_scaling_law"]
    if name not in table:
        raise ConfigError("--prior", f"{name!r} is not one of {', '.join(table)} (or give a scaling_laws.json)")
    c = table[name]
    return Constants(*(float(c[k]) for k in CONSTANTS))


def prior_from_laws(laws: dict, group: str | None = None) -> Constants:
    """The fitted Chinchilla law of `group` (default: speech, else the only fitted one) of a laws file."""
    fitted = {g: v["chinchilla"] for g, v in laws.get("laws", {}).items() if v.get("chinchilla", {}).get("fitted")}
    if not fitted:
        raise ConfigError("--prior", "the laws file has no fitted Chinchilla law")
    if group is None:
        group = "speech" if "speech" in fitted else (next(iter(fitted)) if len(fitted) == 1 else None)
        if group is None:
            raise ConfigError("--group", f"the laws file has several laws ({', '.join(fitted)}); name one")
    if group not in fitted:
        raise ConfigError("--group", f"no fitted Chinchilla law for {group!r}; fitted: {', '.join(fitted)}")
    return Constants(*(float(fitted[group][k]) for k in CONSTANTS))


def simulate_losses(grid: Grid, prior: Constants, noise: float, n_sims: int, seed: int = 0) -> np.ndarray:
    """(n_sims, n_runs) losses: the prior's law times exp(noise · z), z standard normal."""
    clean = chinchilla_loss(grid.n, grid.d, prior.E, prior.A, prior.B, prior.alpha, prior.beta)
    z = np.random.default_rng(seed).standard_normal((n_sims, grid.n.size))
    return clean[None] * np.exp(noise * z)


def _refit_chunk(args) -> np.ndarray:
    """(k, 11) per simulated loss vector: refitted E, A, B, α, β, converged (1/0), and with `profile`
    the fit's own identifiable verdict per constant (1/0; NaN when not asked)."""
    n, d, losses, delta, method, profile = args
    out = np.full((len(losses), 11), np.nan)
    for i, loss in enumerate(losses):
        with np.errstate(all="ignore"):
            fit = fit_chinchilla(n, d, loss, delta=delta, method=method)
            out[i, :6] = (fit.E, fit.A, fit.B, fit.alpha, fit.beta, float(fit.converged))
            if profile:
                verdict = profile_identifiability(n, d, loss, fit, delta=delta)["identifiable"]
                out[i, 6:] = [float(bool(verdict[k])) for k in CONSTANTS]
    return out


def refit(grid: Grid, losses: np.ndarray, *, delta: float = DELTA, method: str = "varpro",
          workers: int = 1, profile: bool = False) -> dict[str, np.ndarray]:
    """Refit every simulated data set (rows of `losses`); `workers` processes share the rows.

    profile: also run the fit's identifiability check (`profile_identifiability`, what `hf-slm fit`
    reports) on each refit: "fit_identifiable" (S, 5) booleans in CONSTANTS order.
    """
    chunks = [c for c in np.array_split(np.asarray(losses), max(1, workers)) if len(c)]
    jobs = [(grid.n, grid.d, c, delta, method, profile) for c in chunks]
    if len(jobs) == 1:
        parts = [_refit_chunk(jobs[0])]
    else:
        with ProcessPoolExecutor(max_workers=len(jobs)) as pool:
            parts = list(pool.map(_refit_chunk, jobs))
    res = np.concatenate(parts)
    out = {k: res[:, i] for i, k in enumerate(CONSTANTS)}
    out["converged"] = res[:, 5] > 0
    if profile:
        out["fit_identifiable"] = res[:, 6:] > 0
    return out


def _quantiles(x: np.ndarray, level: float) -> tuple[float, float, float]:
    """Median and central range; a failed (NaN) refit counts as off the scale (+inf)."""
    x = np.where(np.isnan(x), np.inf, x)
    lo, med, hi = np.quantile(x, [0.5 * (1 - level), 0.5, 0.5 * (1 + level)], method="inverted_cdf")
    return float(med), float(lo), float(hi)


def _band(truth: float, tol) -> tuple[float, float]:
    kind, t = tol
    return (truth / t, truth * t) if kind == "factor" else (truth - t, truth + t)


def summarize_constant(samples: np.ndarray, truth: float, tol, level: float = LEVEL) -> dict:
    med, lo, hi = _quantiles(samples, level)
    band_lo, band_hi = _band(truth, tol)
    within = np.isfinite(samples) & (samples >= band_lo) & (samples <= band_hi)
    return {"truth": truth, "median": med, "low": lo, "high": hi, "level": level,
            "tolerance": {"kind": tol[0], "value": tol[1], "band": [band_lo, band_hi]},
            "within_tolerance": float(within.mean()),
            "identifiable": bool(band_lo <= lo and hi <= band_hi)}


def _opt_laws(s: dict[str, np.ndarray]):
    with np.errstate(all="ignore"):
        for vals in zip(*(s[k] for k in CONSTANTS)):
            if all(np.isfinite(vals)) and vals[3] > 0 and vals[4] > 0 and vals[1] > 0 and vals[2] > 0:
                yield ComputeOptimal.from_constants(*vals)
            else:
                yield None


def evaluate_design(grid: Grid, prior: Constants, *, noise: float = 0.01, n_sims: int = 200, seed: int = 0,
                    delta: float = DELTA, method: str = "varpro", target_flops: float | None = None,
                    tolerances: dict | None = None, level: float = LEVEL, workers: int = 1,
                    profile: bool = False) -> dict:
    """Simulate `n_sims` noisy copies of the grid from `prior`, refit each, and summarise (see module doc).

    profile=True adds "fit_says_identifiable": per constant, the share of simulated studies in which the
    fit's own check (profile likelihood, as in scaling_laws.json) would call it identifiable.
    """
    _check(grid, noise, n_sims, delta, method, level)
    tol = {**TOLERANCES, **(tolerances or {})}
    losses = simulate_losses(grid, prior, noise, n_sims, seed)
    s = refit(grid, losses, delta=delta, method=method, workers=workers, profile=profile)
    truth = {k: getattr(prior, k) for k in CONSTANTS}
    constants = {k: summarize_constant(s[k], truth[k], tol[k], level) for k in CONSTANTS}
    co_true = ComputeOptimal.from_constants(*(truth[k] for k in CONSTANTS))
    _, a, _ = compute_optimal_split(s["A"], s["B"], s["alpha"], s["beta"])
    a = np.where((s["alpha"] > 0) & (s["beta"] > 0), a, np.nan)  # no optimum without two decaying terms
    target = float(target_flops) if target_flops else TARGET_FACTOR * float(grid.flops.max())
    true_loss = float(co_true.loss(target))
    pred = np.array([co.loss(target) if co is not None else np.nan for co in _opt_laws(s)], np.float64)
    rel = pred / true_loss - 1.0
    med, lo, hi = _quantiles(rel, level)
    finite_abs = np.where(np.isfinite(rel), np.abs(rel), np.inf)
    out = {
        "kind": "hf-slm/design",
        "grid": grid.describe(),
        "prior": truth,
        "settings": {"noise": noise, "noise_model": "loss * exp(noise * z), z ~ N(0, 1)", "n_sims": n_sims,
                     "seed": seed, "delta": delta, "fit_method": method, "level": level,
                     "collapse_share": COLLAPSE_SHARE},
        "constants": constants,
        "compute_optimal": {"a": summarize_constant(a, co_true.a, tol["a"], level)},
        "e_collapsed": float(np.mean(~(s["E"] >= COLLAPSE_SHARE * truth["E"]))),
        "converged": float(np.mean(s["converged"])),
        "target": {"flops": target, "true_loss": true_loss,
                   "rel_error": {"median": med, "low": lo, "high": hi, "level": level,
                                 "median_abs": float(np.median(finite_abs)),
                                 "within_5pct": float(np.mean(finite_abs <= 0.05))}},
        "identifiable": {k: constants[k]["identifiable"] for k in CONSTANTS},
    }
    if profile:
        out["fit_says_identifiable"] = {k: float(s["fit_identifiable"][:, i].mean()) for i, k in enumerate(CONSTANTS)}
    return out


def _check(grid: Grid, noise, n_sims, delta, method, level) -> None:
    if grid.n.size < 6:
        raise ConfigError("--sizes/--budgets", f"{grid.n.size} runs cannot pin down 5 constants (need 6)")
    if np.unique(grid.n).size < 2 or np.unique(grid.d).size < 2:
        raise ConfigError("--sizes/--budgets", "need at least two model sizes and two token counts")
    if not (np.all(grid.n > 0) and np.all(grid.d > 0) and np.all(np.isfinite(grid.flops))):
        raise ConfigError("--sizes/--budgets", "sizes and token counts must be finite and > 0")
    if not noise >= 0:
        raise ConfigError("--noise", f"{noise!r} must be >= 0")
    if n_sims < 2:
        raise ConfigError("--sims", f"{n_sims!r} must be >= 2")
    if not delta > 0:
        raise ConfigError("--delta", f"{delta!r} must be > 0")
    if method not in METHODS:
        raise ConfigError("--fit-method", f"{method!r} is not one of {', '.join(METHODS)}")
    if not 0 < level < 1:
        raise ConfigError("--level", f"{level!r} must be in (0, 1)")


# --- spending a total budget ---------------------------------------------------------------------

SEARCH_COUNTS = (3, 5, 7)  # sizes per grid (as many D/N ratios)
SEARCH_SPANS = (1.0, 2.0, 3.0)  # decades between the smallest and the largest model
SEARCH_RATIOS = ((1.0, 20.0), (0.5, 100.0), (2.0, 128.0))  # D/N ranges (the last: the paper's)


def grid_for_budget(budget_flops: float, count: int, span_decades: float, ratio_range) -> Grid:
    """A count × count log-spaced grid whose runs add up to `budget_flops` (6ND each).

    With sizes s_i·N_max and D = r_j·N, Σ 6ND = 6 N_max² Σ s_i² Σ r_j, so N_max follows directly.
    """
    rel = np.logspace(-span_decades, 0.0, count)
    ratios = np.geomspace(ratio_range[0], ratio_range[1], count)
    n_max = np.sqrt(budget_flops / (6.0 * np.sum(rel ** 2) * np.sum(ratios)))
    return Grid.ratios(rel * n_max, ratios)


def _rank_key(res: dict):
    ident = sum(res["identifiable"].values()) + int(res["compute_optimal"]["a"]["identifiable"])
    return (-ident, -res["constants"]["E"]["within_tolerance"], res["target"]["rel_error"]["median_abs"])


def search_grids(prior: Constants, budget_flops: float, *, noise: float = 0.01, n_sims: int = 40, seed: int = 0,
                 delta: float = DELTA, method: str = "varpro", target_flops: float | None = None,
                 tolerances: dict | None = None, level: float = LEVEL, workers: int = 1, profile: bool = False,
                 counts=None, spans=None, ratio_ranges=None) -> dict:
    """Every candidate grid within the budget, evaluated and ranked (best first).

    Rank: most constants identifiable (E, A, B, α, β and a), then the largest share of refits with E
    within tolerance, then the smallest median |loss error| at the target compute (default: 10x the
    budget, the same for every candidate so that they compare).
    """
    if not budget_flops > 0:
        raise ConfigError("--budget", f"{budget_flops!r} must be > 0 FLOPs")
    target = float(target_flops) if target_flops else 10.0 * budget_flops
    ranked = []
    for count in counts or SEARCH_COUNTS:
        for span in spans or SEARCH_SPANS:
            for rr in ratio_ranges or SEARCH_RATIOS:
                grid = grid_for_budget(budget_flops, count, span, rr)
                res = evaluate_design(grid, prior, noise=noise, n_sims=n_sims, seed=seed, delta=delta, method=method,
                                      target_flops=target, tolerances=tolerances, level=level, workers=workers,
                                      profile=profile)
                res["candidate"] = {"count": count, "span_decades": span, "d_over_n": list(rr),
                                    "n_max": float(grid.n.max())}
                ranked.append(res)
    ranked.sort(key=_rank_key)
    return {"kind": "hf-slm/design-search", "budget_flops": float(budget_flops), "target_flops": target,
            "n_sims": n_sims, "best": ranked[0], "candidates": ranked}


def default_workers() -> int:
    """Processes for the refits: the CPUs this process may use."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        n = os.cpu_count() or 1
    return max(1, n)
