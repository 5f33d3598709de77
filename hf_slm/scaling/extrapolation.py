"""The extrapolation check: refit a loss law without its top-compute points and predict them.

The one test of a scaling law that matters to its users is whether it predicts runs larger than the
ones it was fitted on. Every loss-law fit therefore also refits without the largest HOLDOUT_SHARE of
its points by compute (at least one point; ties broken by order) and reports, for each held-out
point, the relative error (predicted − observed) / observed of the refit's prediction.
"""

from __future__ import annotations

import math

import numpy as np

HOLDOUT_SHARE = 0.2


def holdout_split(flops, share: float = HOLDOUT_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """(indices kept for the refit, indices held out): the ceil(share·n) ≥ 1 largest-compute points."""
    flops = np.asarray(flops, np.float64)
    k = max(1, math.ceil(share * flops.size - 1e-9))
    order = np.argsort(flops, kind="stable")
    return np.sort(order[:-k]), np.sort(order[-k:])


def extrapolation_check(flops, observed, refit_predict, *, min_fit: int, names=None,
                        share: float = HOLDOUT_SHARE) -> dict:
    """Refit on all but the top-compute points and predict those.

    refit_predict(fit_idx, held_idx) -> predicted values at held_idx (refitted on fit_idx only); it may
    raise ValueError when the refit is impossible. min_fit: the fewest points the refit needs. names: one
    label per point (run names), reported for the held-out ones.
    Returns {"fitted": true, "held_out", "flops", "observed", "predicted", "rel_error", "max_abs_rel_error",
    "n_fit", "share"} or {"fitted": false, "reason"}.
    """
    flops = np.asarray(flops, np.float64)
    observed = np.asarray(observed, np.float64)
    fit_idx, held = holdout_split(flops, share)
    if fit_idx.size < min_fit:
        return {"fitted": False, "reason": f"holding out the top {held.size} of {flops.size} points by compute "
                                           f"leaves {fit_idx.size}; the refit needs {min_fit}"}
    try:
        pred = np.asarray(refit_predict(fit_idx, held), np.float64)
    except ValueError as e:
        return {"fitted": False, "reason": f"the refit without the top-compute points failed: {e}"}
    rel = (pred - observed[held]) / observed[held]
    held_names = [names[i] for i in held] if names is not None else held.tolist()
    return {"fitted": True, "held_out": held_names,
            "flops": flops[held].tolist(), "observed": observed[held].tolist(), "predicted": pred.tolist(),
            "rel_error": rel.tolist(),
            "max_abs_rel_error": float(np.max(np.abs(rel))) if np.all(np.isfinite(rel)) else float("inf"),
            "n_fit": int(fit_idx.size), "share": share}
