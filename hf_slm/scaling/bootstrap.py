"""Bootstrap confidence intervals: resample runs with replacement, refit, take percentiles.

A resample is a vector of counts over the runs (how often each was drawn), so a refit is the same
summed objective with those counts as weights. For the Chinchilla law all resamples are refitted
at once by the batched L-BFGS, each warm-started at the full-data optimum (as Epoch AI start
theirs from one point): 1,000 resamples cost a few full-grid evaluations, not 1,000 fits. When that
optimum is degenerate, each resample restarts from its own variable-projection starts instead
(`restart_grid`), so that the intervals reflect the data rather than the starting point.
"""

from __future__ import annotations

import numpy as np

from hf_slm.scaling.huber import DELTA_HOFFMANN, ChinchillaObjective
from hf_slm.scaling.lbfgs import lbfgs_batch
from hf_slm.scaling.varpro import exponent_pairs, varpro_starts

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


def bootstrap_chinchilla(n, d, loss, fit, *, n_resamples: int = 1000, delta: float = DELTA_HOFFMANN, seed: int = 0,
                         groups=None, level: float = LEVEL, max_iter: int = 2000, restart_grid=None) -> dict:
    """Refit E, A, B, α, β on `n_resamples` resamples of the points, all in one batched run.

    `fit` is the full-data ChinchillaFit. Each resample starts at its optimum ("warm", as Epoch AI
    start theirs from one point) unless `restart_grid` is given: then each resample also starts from
    the variable-projection starts of that grid solved on the resample itself (one per distinct (α, β));
    all run SCREEN_ITERATIONS iterations, the KEEP best of each resample run on to convergence, and the
    resample keeps its best end point ("restart"). Use it when the full-data optimum is degenerate (E at 0,
    a dead term): there the gradient of the resampled objective vanishes and a warm start cannot move,
    which would give every constant a zero-width interval.
    Returns {"samples": {name: array}, "intervals": {name: {low, high, std}}, "std": {name: float},
    "n_resamples", "n_converged", "scheme"}. Resamples whose refit did not converge are left out.
    """
    ln, ld, ll = (np.log(np.asarray(v, np.float64)) for v in (n, d, loss))
    counts = resample_counts(ln.size, n_resamples, seed, groups)
    warm = np.repeat(fit.theta[None], n_resamples, axis=0)
    with np.errstate(invalid="ignore"):
        warm[:, 2] = np.maximum(warm[:, 2], np.log(1e-30) + ll.min())  # E that underflowed to 0: a finite start
    if restart_grid is None:
        x0, owner = warm, np.arange(n_resamples)
    else:
        x0, owner = _screened_restarts(ln, ld, ll, delta, counts, warm, restart_grid)
    obj = ChinchillaObjective(ln, ld, ll, delta, weights=counts[owner])
    res = lbfgs_batch(obj, x0, gtol=1e-9, ftol=1e-13, max_iter=max_iter)
    fun = np.where(res.converged & np.isfinite(res.fun), res.fun, np.inf)
    best = _best_per_owner(fun, owner, n_resamples)
    ok = np.isfinite(fun[best])
    xb = res.x[best[ok]]
    a, b, e, al, be = (xb[:, i] for i in range(5))
    with np.errstate(over="ignore"):
        samples = {"E": np.exp(e), "A": np.exp(a), "B": np.exp(b), "alpha": al, "beta": be}
    intervals = summarize(samples, level)
    return {"samples": samples, "intervals": intervals, "std": {k: v["std"] for k, v in intervals.items()},
            "n_resamples": int(n_resamples), "n_converged": int(ok.sum()),
            "scheme": "warm" if restart_grid is None else "restart"}


SCREEN_ITERATIONS = 25  # restart scheme: every start runs this long, then only the best KEEP per resample go on
KEEP = 2


def _best_per_owner(fun, owner, n_owners) -> np.ndarray:
    """For each owner (resample), the row with the lowest objective."""
    order = np.lexsort((fun, owner))  # by owner, then objective: the first row of each owner is its best
    first = np.ones(order.size, bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    best = np.zeros(n_owners, dtype=np.int64)
    best[owner[order][first]] = order[first]
    return best


def _screened_restarts(ln, ld, ll, delta, counts, warm, grid):
    """Starts for the restart scheme: per resample, variable-projection starts solved on its own counts at the
    grid's distinct (α, β), and the warm start; each runs SCREEN_ITERATIONS, the best KEEP go on from there."""
    pairs = exponent_pairs(grid)
    grid_rows = np.concatenate([np.zeros((pairs.shape[0], 3)), pairs], axis=1)
    loss = np.exp(ll)
    x0 = np.concatenate([np.concatenate([varpro_starts(ln, ld, loss, grid_rows, weights=c), warm[i:i + 1]])
                         for i, c in enumerate(counts)])
    owner = np.repeat(np.arange(counts.shape[0]), pairs.shape[0] + 1)
    obj = ChinchillaObjective(ln, ld, ll, delta, weights=counts[owner])
    res = lbfgs_batch(obj, x0, gtol=1e-9, ftol=1e-13, max_iter=SCREEN_ITERATIONS)
    fun = np.where(np.isfinite(res.fun), res.fun, np.inf)
    order = np.lexsort((fun, owner))
    rank = np.empty(order.size, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, owner[order][1:] != owner[order][:-1]])
    rank[order] = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
    keep = rank < KEEP
    return res.x[keep], owner[keep]
