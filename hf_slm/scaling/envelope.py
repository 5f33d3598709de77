"""Loss envelope (Cuervo & Marxer Figure 1): the lowest test loss reached at each compute, from
the learning curves of every run, and its power law L ≈ k·C^γ (γ < 0)."""

from __future__ import annotations

import numpy as np

from hf_slm.scaling.bootstrap import LEVEL, resample_counts, summarize
from hf_slm.scaling.chinchilla_section import EXTRAPOLATION_WARN
from hf_slm.scaling.extrapolation import extrapolation_check
from hf_slm.scaling.powerlaw import fit_power_law, log_binned_front, power_law_diagnostics

MIN_POINTS = 3


def curve_points(records, skip_fraction: float = 0.0):
    """(flops, loss, run index) of every usable learning-curve point; the final loss counts too.

    skip_fraction drops each run's first fraction of its compute (warm-up, where the loss is set by
    the learning-rate schedule rather than by the model size).
    """
    xs, ys, runs = [], [], []
    for i, rec in enumerate(records):
        pts = [(p.get("flops"), p.get("test_loss")) for p in (rec.learning_curve or [])]
        if rec.final_test_loss is not None and rec.flops_6nd:
            pts.append((rec.flops_6nd, rec.final_test_loss))
        total = max((f for f, _ in pts if f is not None and np.isfinite(f)), default=0.0)
        for f, loss in pts:
            if f is None or loss is None or not (np.isfinite(f) and np.isfinite(loss)) or f <= 0 or loss <= 0:
                continue
            if f < skip_fraction * total:
                continue
            xs.append(float(f))
            ys.append(float(loss))
            runs.append(i)
    return np.asarray(xs), np.asarray(ys), np.asarray(runs, dtype=np.int64)


def fit_envelope(flops, loss, runs=None, *, n_bins: int = 40, bootstrap: int = 0, seed: int = 0,
                 level: float = LEVEL) -> dict:
    """Envelope points (best loss per log-FLOP bin, Pareto-reduced) and their power law.

    bootstrap > 0 resamples whole runs (all the points of a drawn run come with it).
    """
    flops = np.asarray(flops, np.float64)
    loss = np.asarray(loss, np.float64)
    idx = log_binned_front(flops, loss, n_bins, minimize=True)
    if idx.size < MIN_POINTS:
        return {"fitted": False, "reason": f"the envelope has {idx.size} points; a power law needs {MIN_POINTS}"}
    law = fit_power_law(flops[idx], loss[idx])
    out = {"fitted": True, **law.to_dict(), "points": {"flops": flops[idx].tolist(), "loss": loss[idx].tolist()},
           "n_bins": n_bins}
    out["identifiable"], out["warnings"] = power_law_diagnostics(law, "loss")
    fx, lx = flops[idx], loss[idx]
    out["extrapolation"] = extrapolation_check(
        fx, lx, lambda keep, held: fit_power_law(fx[keep], lx[keep])(fx[held]), min_fit=MIN_POINTS)
    ex = out["extrapolation"]
    if ex["fitted"] and not ex["max_abs_rel_error"] <= EXTRAPOLATION_WARN:
        out["warnings"].append(f"refitted without its top-compute points, the envelope mispredicts them by up to "
                               f"{100 * ex['max_abs_rel_error']:.1f}%")
    if bootstrap and runs is not None:
        groups = np.asarray(runs)
        labels = np.unique(groups)
        counts = resample_counts(labels.size, bootstrap, seed)
        ks, gs = [], []
        for row in counts:
            chosen = np.isin(groups, labels[row > 0])  # duplicates do not move a minimum
            if chosen.sum() < MIN_POINTS:
                continue
            j = log_binned_front(flops[chosen], loss[chosen], n_bins, minimize=True)
            if j.size < MIN_POINTS:
                continue
            lw = fit_power_law(flops[chosen][j], loss[chosen][j])
            ks.append(lw.k)
            gs.append(lw.gamma)
        out["intervals"] = summarize({"k": np.asarray(ks), "gamma": np.asarray(gs)}, level)
        out["bootstrap_resamples"] = len(gs)
    return out
