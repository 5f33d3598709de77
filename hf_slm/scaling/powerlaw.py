"""Power laws y = k·x^γ fitted by least squares in log-log space, and Pareto envelopes."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from hf_slm.scaling.formulas import power_law, power_law_inverse


@dataclass
class PowerLaw:
    k: float  # y at x = 1
    gamma: float
    r2: float  # in log-log space
    n_points: int
    gamma_se: float  # ordinary least-squares standard error of γ
    x_min: float
    x_max: float

    def __call__(self, x):
        return power_law(x, self.k, self.gamma)

    def x_for(self, y):
        """Invert: the x at which the law reaches y."""
        return power_law_inverse(y, self.k, self.gamma)

    def to_dict(self) -> dict:
        return asdict(self)


def fit_power_law(x, y) -> PowerLaw:
    """log y = log k + γ log x by ordinary least squares (x, y > 0, at least 2 distinct x)."""
    lx, ly = np.log(np.asarray(x, np.float64)), np.log(np.asarray(y, np.float64))
    n = lx.size
    if n < 2 or np.ptp(lx) == 0:
        raise ValueError("a power law needs at least two distinct x")
    xm, ym = lx.mean(), ly.mean()
    sxx = np.sum((lx - xm) ** 2)
    gamma = float(np.sum((lx - xm) * (ly - ym)) / sxx)
    logk = float(ym - gamma * xm)
    resid = ly - logk - gamma * lx
    sst = np.sum((ly - ym) ** 2)
    r2 = float(1.0 - resid @ resid / sst) if sst > 0 else 1.0
    se = float(np.sqrt(resid @ resid / (n - 2) / sxx)) if n > 2 else float("nan")
    return PowerLaw(k=float(np.exp(logk)), gamma=gamma, r2=r2, n_points=n, gamma_se=se,
                    x_min=float(np.exp(lx.min())), x_max=float(np.exp(lx.max())))


def pareto_front(x, y, minimize: bool = True) -> np.ndarray:
    """Indices of the envelope: points that no point with less or equal x beats in y, by x.

    minimize=True: the lowest y so far (loss); False: the highest (a downstream score).
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    sign = 1.0 if minimize else -1.0
    order = np.lexsort((sign * y, x))  # by x, ties broken by the better y first
    best = np.inf
    keep = []
    for i in order:
        if sign * y[i] < best:
            best = sign * y[i]
            keep.append(i)
    return np.asarray(keep, dtype=np.int64)


def log_binned_front(x, y, n_bins: int, minimize: bool = True) -> np.ndarray:
    """The best point in each of `n_bins` log-spaced bins of x, then reduced to its Pareto front."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    edges = np.linspace(np.log(x.min()), np.log(x.max()), n_bins + 1)
    which = np.clip(np.searchsorted(edges, np.log(x), side="right") - 1, 0, n_bins - 1)
    picks = []
    for b in np.unique(which):
        idx = np.flatnonzero(which == b)
        picks.append(idx[np.argmin(y[idx]) if minimize else np.argmax(y[idx])])
    picks = np.asarray(picks)
    return picks[pareto_front(x[picks], y[picks], minimize)]


def power_law_diagnostics(law, what: str) -> tuple[dict, list[str]]:
    """`identifiable` for k and γ of a log-log fit: γ's 95% t-interval (n − 2 dof) excludes 0; warnings."""
    warnings = []
    if law.n_points < 3 or not np.isfinite(law.gamma_se):
        ok = False
        warnings.append(f"{law.n_points} points: the slope γ has no standard error")
    else:
        t = stats.t.ppf(0.975, law.n_points - 2)
        ok = bool(abs(law.gamma) > t * law.gamma_se)
        if not ok:
            warnings.append(f"the {what} does not change measurably with compute: γ = {law.gamma:.3g} ± "
                            f"{t * law.gamma_se:.2g} (95%) includes 0")
    return {"k": ok, "gamma": ok}, warnings
