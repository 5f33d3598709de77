"""The "chinchilla" section of scaling_laws.json: the fit, what the data identify, intervals that can move,
and the extrapolation check, with plain-language warnings.

1. fit_chinchilla (varpro or grid starts).
2. profile_identifiability: per constant a profile interval and `identifiable` (diagnostics.py).
3. bootstrap (when asked): warm-started at the optimum, or, when a constant of the optimum sits at a
   bound (E → 0, a dead term), restarted from the grid's starts solved on each resample, since a
   resample cannot leave a degenerate optimum by its gradient (the interval would have zero width).
4. extrapolation: refit without the top 20% of runs by compute, predict them (extrapolation.py).
"""

from __future__ import annotations

import numpy as np

from hf_slm.scaling.bootstrap import LEVEL, bootstrap_chinchilla
from hf_slm.scaling.chinchilla import fit_chinchilla
from hf_slm.scaling.diagnostics import profile_identifiability
from hf_slm.scaling.extrapolation import extrapolation_check

N_CONSTANTS = 5
EXTRAPOLATION_WARN = 0.05  # a held-out run mispredicted by more than 5% is worth a warning


def chinchilla_section(n, d, loss, *, flops=None, names=None, delta: float, grid, method: str = "varpro",
                       bootstrap: int = 0, seed: int = 0, level: float = LEVEL) -> dict:
    """Every key of the section for single-epoch points (N, D, loss); see the module docstring.

    Keeps "_samples" (the bootstrap samples, for the compute-optimal intervals) for the caller to drop.
    """
    n, d, loss = (np.asarray(v, np.float64) for v in (n, d, loss))
    flops = 6.0 * n * d if flops is None else np.asarray(flops, np.float64)
    fit = fit_chinchilla(n, d, loss, delta=delta, grid=grid, method=method)
    out = {"fitted": True, **{k: v for k, v in fit.to_dict().items() if k != "extra"}}
    diag = profile_identifiability(n, d, loss, fit, delta=delta)
    out["identifiable"] = diag["identifiable"]
    out["profile"] = diag["profile"]
    out["identifiability_criterion"] = diag["criterion"]
    warnings = list(diag["warnings"])
    degenerate = any(p["at_bound"] for p in diag["profile"].values())
    if bootstrap:
        boot = bootstrap_chinchilla(n, d, loss, fit, n_resamples=bootstrap, delta=delta, seed=seed, level=level,
                                    restart_grid=grid if degenerate else None)
        out["intervals"] = boot["intervals"]
        out["bootstrap_resamples"] = boot["n_converged"]
        out["bootstrap_scheme"] = boot["scheme"]
        out["_samples"] = boot["samples"]
    ex = extrapolation_check(flops, loss, lambda keep, held: _refit_predict(n, d, loss, keep, held, delta, grid,
                                                                            method),
                             min_fit=N_CONSTANTS + 1, names=names)
    out["extrapolation"] = ex
    if ex["fitted"] and not ex["max_abs_rel_error"] <= EXTRAPOLATION_WARN:
        warnings.append(f"refitted without its {len(ex['held_out'])} largest-compute runs, the law mispredicts "
                        f"them by up to {100 * ex['max_abs_rel_error']:.1f}%: predictions beyond the largest run "
                        f"are not reliable")
    elif not ex["fitted"]:
        warnings.append(f"no extrapolation check: {ex['reason']}")
    if not fit.converged:
        warnings.append("the optimiser did not meet its convergence test at the reported optimum")
    out["warnings"] = warnings
    return out


def _refit_predict(n, d, loss, keep, held, delta, grid, method):
    sub = fit_chinchilla(n[keep], d[keep], loss[keep], delta=delta, grid=grid, method=method)
    return sub.predict(n[held], d[held])
