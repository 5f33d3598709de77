"""Downstream metrics vs compute (Cuervo & Marxer Table 3 / Figure 3–4; SIMS Figure 2).

For each metric: the envelope of the best score per FLOP over the runs, Q ≈ k·C^γ fitted in log-log
space on the envelope points before saturation, the metric's correlation with the test loss
(Pearson r and the linear fit), and, between two modes, the efficiency ratio γ_text/γ_speech: the
factor that text gets from 10× more compute, speech needs 10^(γ_text/γ_speech)× for (the paper's
"10^3.14 ΔC").
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from hf_slm.scaling.bootstrap import LEVEL, resample_counts, summarize
from hf_slm.scaling.powerlaw import fit_power_law, pareto_front, power_law_diagnostics

MIN_POINTS = 3
SATURATION = 0.98  # a score this close to 1 cannot keep growing as a power of compute
CHANCE = 0.5  # every hf-slm benchmark (hf_slm.tasks) picks between two candidates

# the papers' metric names → the project's (sblimp, ssc, tsc), to pair metrics across modes
ALIASES = {"blimp": "sblimp", "story_cloze": "ssc", "topic_cloze": "tsc", "storycloze": "ssc",
           "topiccloze": "tsc"}


def canonical(metric: str) -> str:
    m = metric.lower()
    return ALIASES.get(m, m)


def chance_level(metric: str) -> float:
    """The score of a model that cannot tell the candidates apart: every hf-slm benchmark has two."""
    return CHANCE


def _above_chance(values, ci, chance):
    """Which scores are distinguishable from chance: the interval excludes it (no interval: above it)."""
    lo, hi = ci[:, 0], ci[:, 1]
    has = np.isfinite(lo) & np.isfinite(hi)
    return np.where(has, (lo > chance) | (hi < chance), values > chance)


def _envelope_fit(flops, values, saturation, ci=None, chance=None):
    """(front, points kept for the power law, the law or None, how many front points were at chance)."""
    front = pareto_front(flops, values, minimize=False)
    ok = (values[front] < saturation) & (values[front] > 0)
    at_chance = 0
    if chance is not None:
        distinct = _above_chance(values[front], ci[front], chance)
        at_chance = int(np.sum(ok & ~distinct))
        ok &= distinct
    keep = front[ok]
    if keep.size < MIN_POINTS:
        return front, keep, None, at_chance
    return front, keep, fit_power_law(flops[keep], values[keep]), at_chance


def fit_downstream(flops, values, losses=None, *, saturation: float = SATURATION, bootstrap: int = 0,
                   seed: int = 0, level: float = LEVEL, ci=None, chance: float | None = None) -> dict:
    """One metric over runs: envelope, Q ∝ C^γ, correlation with test loss, bootstrap intervals.

    ci: per run (low, high) of the score (nan when unknown); with `chance`, envelope points whose interval
    includes chance (or, without an interval, at or below it) are not fitted: a power law through scores
    the benchmark cannot tell from guessing says nothing, so with fewer than MIN_POINTS left the law is not
    fitted and the reason says so. A bootstrap resample is a resample of runs (a run is one point here).
    """
    flops = np.asarray(flops, np.float64)
    values = np.asarray(values, np.float64)
    ci = (np.full((flops.size, 2), np.nan) if ci is None else np.asarray(ci, np.float64).reshape(flops.size, 2))
    front, keep, law, at_chance = _envelope_fit(flops, values, saturation, ci, chance)
    out: dict = {"envelope": {"flops": flops[front].tolist(), "value": values[front].tolist()},
                 "saturation": saturation, "chance": chance, "envelope_at_chance": at_chance}
    if law is None:
        if at_chance:
            reason = (f"{at_chance} of {front.size} envelope points are indistinguishable from chance ({chance:g}; "
                      f"their intervals include it): {keep.size} left, a power law needs {MIN_POINTS}, so none "
                      f"is fitted")
        else:
            reason = (f"{keep.size} envelope points below saturation {saturation}; a power law needs {MIN_POINTS}"
                      + ("" if values.max() <= 1.0 else " (scores above 1: give accuracies as fractions)"))
        out.update(fitted=False, reason=reason)
    else:
        out.update(fitted=True, **law.to_dict())
        out["points_used"] = {"flops": flops[keep].tolist(), "value": values[keep].tolist()}
        # the envelope rises by construction (it keeps the best score so far, noise included), so whether
        # the metric moves with compute is judged on every run's score, not on the envelope's slope
        pos = values > 0
        out["identifiable"], out["warnings"] = power_law_diagnostics(
            fit_power_law(flops[pos], values[pos]), "score of every run (not the envelope's γ above)")
        if at_chance:
            out["warnings"].append(f"{at_chance} envelope points at chance were left out of the fit")
        if bootstrap:
            counts = resample_counts(flops.size, bootstrap, seed)
            ks, gs = [], []
            for row in counts:
                idx = np.flatnonzero(row > 0)  # a repeated run adds nothing to an envelope
                _, kk, lw, _ = _envelope_fit(flops[idx], values[idx], saturation, ci[idx], chance)
                if lw is not None:
                    ks.append(lw.k)
                    gs.append(lw.gamma)
            out["intervals"] = summarize({"k": np.asarray(ks), "gamma": np.asarray(gs)}, level)
            out["bootstrap_resamples"] = len(gs)
    if losses is not None:
        out["vs_loss"] = correlation_with_loss(losses, values)
    return out


def correlation_with_loss(losses, values) -> dict:
    """Pearson r of the metric with the test loss and the line metric = slope·loss + intercept."""
    x = np.asarray(losses, np.float64)
    y = np.asarray(values, np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return {"fitted": False, "reason": f"{x.size} runs with both a loss and the metric (need 3, not all equal)"}
    res = stats.linregress(x, y)
    return {"fitted": True, "pearson_r": float(res.rvalue), "p_value": float(res.pvalue),
            "slope": float(res.slope), "intercept": float(res.intercept), "n_points": int(x.size),
            "loss": x.tolist(), "value": y.tolist()}


def efficiency_ratio(gamma_fast: float, gamma_slow: float) -> dict:
    """γ_fast/γ_slow and its meaning: 10× compute for the fast mode ≙ 10^ratio× for the slow one."""
    ratio = gamma_fast / gamma_slow
    return {"ratio": float(ratio), "log10_compute_factor_for_10x": float(ratio),
            "compute_factor_for_10x": float(10.0 ** ratio) if abs(ratio) < 300 else None}
