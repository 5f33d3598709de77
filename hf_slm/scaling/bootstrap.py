"""Bootstrap confidence intervals: resample runs with replacement, refit, take percentiles.

A resample is a vector of counts over the runs (how often each was drawn), so a refit is the same
summed objective with those counts as weights. For the Chinchilla law all resamples are refitted
at once by the batched L-BFGS, each warm-started at the full-data optimum (as Epoch AI start
theirs from one point): 1,000 resamples cost a few full-grid evaluations, not 1,000 fits.
"""

from __future__ import annotations

import numpy as np

from hf_slm.scaling.huber import ChinchillaObjective
from hf_slm.scaling.lbfgs import lbfgs_batch

LEVEL = 0.95


def resample_counts(n_items: int, n_resamples: int, seed: int = 0, groups=None) -> np.ndarray:
    """(R, n_items) draw counts. With `groups` (one label per item) whole groups are resampled:
    every item of a drawn group gets the group's count (a run with many points stays together)."""
    rng = np.random.default_rng(seed)
    if groups is None:
        idx = rng.integers(0, n_items, size=(n_resamples, n_items))
        counts = np.zeros((n_resamples, n_items))
        np.add.at(counts, (np.arange(n_resamples)[:, None], idx), 1.0)
        return counts
    labels, inverse = np.unique(np.asarray(groups), return_inverse=True)
    gc = resample_counts(labels.size, n_resamples, seed)
    return gc[:, inverse]


def interval(samples, level: float = LEVEL) -> tuple[float, float]:
    """Percentile interval of the finite samples (nan, nan when there are none)."""
    s = np.asarray(samples, np.float64)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(s, [50 * (1 - level), 50 * (1 + level)])
    return float(lo), float(hi)


def summarize(samples: dict[str, np.ndarray], level: float = LEVEL) -> dict:
    """{name: {"low", "high", "std"}} for each constant's bootstrap samples."""
    out = {}
    for name, s in samples.items():
        s = np.asarray(s, np.float64)
        lo, hi = interval(s, level)
        fin = s[np.isfinite(s)]
        with np.errstate(over="ignore"):  # ill-determined constants (A ~ 1e160 in toy fits): std is inf
            std = float(fin.std(ddof=1)) if fin.size > 1 else float("nan")
        out[name] = {"low": lo, "high": hi, "std": std, "level": level}
    return out


def bootstrap_chinchilla(n, d, loss, fit, *, n_resamples: int = 1000, delta: float = 1e-3, seed: int = 0,
                         groups=None, level: float = LEVEL, max_iter: int = 2000) -> dict:
    """Refit E, A, B, α, β on `n_resamples` resamples of the points, all in one batched run.

    `fit` is the full-data ChinchillaFit (its optimum is every resample's start). Returns
    {"samples": {name: array}, "intervals": {name: {low, high, std}}, "std": {name: float},
    "n_resamples", "n_converged"}. Resamples whose refit did not converge are left out.
    """
    ln, ld, ll = (np.log(np.asarray(v, np.float64)) for v in (n, d, loss))
    counts = resample_counts(ln.size, n_resamples, seed, groups)
    obj = ChinchillaObjective(ln, ld, ll, delta, weights=counts)
    x0 = np.repeat(fit.theta[None], n_resamples, axis=0)
    res = lbfgs_batch(obj, x0, gtol=1e-9, ftol=1e-13, max_iter=max_iter)
    ok = res.converged & np.isfinite(res.fun)
    a, b, e, al, be = (res.x[ok, i] for i in range(5))
    samples = {"E": np.exp(e), "A": np.exp(a), "B": np.exp(b), "alpha": al, "beta": be}
    intervals = summarize(samples, level)
    return {"samples": samples, "intervals": intervals, "std": {k: v["std"] for k, v in intervals.items()},
            "n_resamples": int(n_resamples), "n_converged": int(ok.sum())}
