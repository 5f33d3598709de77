"""Does the data identify each Chinchilla constant? Profile likelihood, stated criterion, plain warnings.

Profile: each constant c of E, A, B, α, β is fixed at values stepping away from the estimate by a tenth
of a decade (c·10^(±k/10)), the other four re-minimised at each value (batched L-BFGS, each step
warm-started from the previous one; α and β steps also from the variable-projection solve). The
profile interval is where the minimised objective stays within Δ of the optimum, with

    Δ = f̂ · χ²₁(0.95)/2 · (1 + q) / (n − 5),

the 95% likelihood-ratio drop for one parameter with the Huber objective read as a likelihood:
δΣ|r| is a Laplace log-likelihood times δ·mean|r| in Huber's linear part, Σr²/2 a Gaussian one
times σ² in its quadratic part (q = share of residuals there, which doubles the drop), the scale
estimated on n − 5 degrees of freedom (five constants were fitted). Δ has a floor of a 1e-6
relative residual per point so that a noise-free fit is not reported as infinitely precise.

A constant is identifiable when its estimate is not at a bound (E → 0 or E at the lowest loss,
α or β ≤ 1e-3, a term A/N^α or B/D^β below 1e-6 of the loss at every run) and its profile
interval is closed on both sides within two decades and not wider than a decade for A and B (high/low ≤ 10)
or a factor 3 for E, α and β (order-one constants: E lies in (0, lowest loss), so a decade of E is about
all of its range).
"""

from __future__ import annotations

import numpy as np

from hf_slm.scaling.huber import DELTA_HOFFMANN, ChinchillaObjective
from hf_slm.scaling.lbfgs import lbfgs_batch
from hf_slm.scaling.varpro import linear_coefficients

NAMES = ("E", "A", "B", "alpha", "beta")
COLUMN = {"E": 2, "A": 0, "B": 1, "alpha": 3, "beta": 4}  # position in theta = (log A, log B, log E, α, β)
LOGGED = {"E", "A", "B"}  # theta holds their logs
CHI2_1_95_HALF = 1.920729410347062  # χ²₁(0.95) / 2
STEP_DECADES = 0.1
REFINE = 6  # bisections of the step that crosses Δ: the end is placed to 0.1/2^6 of a decade
MAX_DECADES = 2.0
# widest identified interval (high/low): a decade for the scale constants A and B; a factor 3 for the
# order-one constants E, α and β, whose whole plausible range (E in (0, lowest loss)) is about a decade
MAX_RATIO = {"E": 3.0, "A": 10.0, "B": 10.0, "alpha": 3.0, "beta": 3.0}
E_FLOOR_SHARE = 1e-6  # E below this share of the lowest loss has gone to its bound 0
EXPONENT_FLOOR = 1e-3
DEAD_TERM_SHARE = 1e-6
RESIDUAL_FLOOR = 1e-6
E_BELOW_LOSS = 1e-9  # E's upper walk stops this far (in log) below the lowest loss, where its term would vanish
LIMIT_TOL = 2 * E_BELOW_LOSS  # a chain this close to its limit has reached it


def lr_threshold(f_min: float, residuals, delta: float, n_fitted: int = 5) -> float:
    """Δ of the module docstring: how far above the optimum the 95% profile interval reaches."""
    r = np.asarray(residuals, np.float64)
    q = float(np.mean(np.abs(r) <= delta))
    dof = max(r.size - n_fitted, 1)
    return max(f_min * CHI2_1_95_HALF * (1.0 + q) / dof, 0.5 * r.size * RESIDUAL_FLOOR ** 2)


def bound_reasons(values: dict, log_n, log_d, loss) -> dict[str, str]:
    """{constant: why it sits at a bound of the law's meaningful range} (absent: not at a bound)."""
    out = {}
    lmin = float(np.min(loss))
    E, A, B, al, be = (values[k] for k in NAMES)
    if not E > E_FLOOR_SHARE * lmin:
        out["E"] = f"E went to its bound 0 (E = {E:.3g})"
    elif E >= lmin * (1 - 1e-9):
        out["E"] = f"E = {E:.4g} is at the lowest loss {lmin:.4g}"
    for name, ex, coef, term_name, logx in (("alpha", al, A, "A", log_n), ("beta", be, B, "B", log_d)):
        if not ex > EXPONENT_FLOOR:
            out[name] = f"{name} = {ex:.3g} is at its bound 0"
        with np.errstate(all="ignore"):
            term = coef * np.exp(-ex * np.asarray(logx))
        if not np.all(np.isfinite(term)) or not np.any(term > DEAD_TERM_SHARE * np.asarray(loss)):
            for k in (term_name, name):
                out.setdefault(k, f"the term {term_name}/{'N' if name == 'alpha' else 'D'}^{name} is "
                                  f"{'infinite' if not np.all(np.isfinite(term)) else 'negligible'} at every run")
    return out


def _finite_theta(theta, lmin):
    """The optimum with log E = −inf (E underflowed to 0) or log A, log B = ±inf made finite (same objective)."""
    t = np.array(theta, np.float64)
    t[2] = np.nan_to_num(t[2], nan=np.log(1e-30 * lmin), neginf=np.log(1e-30 * lmin))
    t[:2] = np.clip(np.nan_to_num(t[:2], nan=0.0), -700.0, 700.0)
    t[3:] = np.nan_to_num(t[3:], nan=0.0)
    return t


def _next_x(c) -> float:
    """The next log value a chain tries: a step outwards, or the midpoint of its bracket when refining."""
    if c["out"] is not None:
        return 0.5 * (c["x"] + c["out"][0])
    nx = c["x"] + c["dir"] * np.log(10.0) * STEP_DECADES
    if (nx - c["limit"]) * c["dir"] >= 0:
        nx = c["limit"] - E_BELOW_LOSS if c["name"] == "E" and c["dir"] > 0 else c["limit"]
    return float(nx)


class _Fixed:
    """The objective with one coordinate of each row held where it starts (its gradient zeroed)."""

    def __init__(self, obj, cols):
        self.obj, self.cols = obj, np.asarray(cols)

    def __call__(self, x, rows):
        f, g = self.obj(x, None)
        g = np.array(g, copy=True)
        g[np.arange(len(rows)), self.cols[rows]] = 0.0
        return f, g


def _profile_starts(theta, names, values, log_n, log_d, loss):
    """Warm starts (and, for α/β, variable-projection starts) with each row's constant set to `values`."""
    rows, owners = [], []
    for i, (name, v) in enumerate(zip(names, values)):
        t = theta[i].copy()
        t[COLUMN[name]] = np.log(v) if name in LOGGED else v
        rows.append(t)
        owners.append(i)
        if name in ("alpha", "beta"):
            al, be = (v, t[4]) if name == "alpha" else (t[3], v)
            vp = t.copy()
            vp[:3] = linear_coefficients(log_n, log_d, loss, al, be)
            rows.append(vp)
            owners.append(i)
    return np.array(rows), np.array(owners)


def profile_identifiability(n, d, loss, fit, *, delta: float = DELTA_HOFFMANN, weights=None) -> dict:
    """Profile intervals and `identifiable` per constant of a ChinchillaFit (see the module docstring).

    Returns {"identifiable": {name: bool}, "profile": {name: {"low", "high", "open_low", "open_high",
    "at_bound", "criterion"}}, "warnings": [str], "threshold": Δ, "lower_optimum": bool}; "low"/"high"
    are None on an open side (the profile stays within Δ for two decades, or down to the bound).
    """
    log_n, log_d = np.log(np.asarray(n, np.float64)), np.log(np.asarray(d, np.float64))
    loss = np.asarray(loss, np.float64)
    log_l = np.log(loss)
    obj = ChinchillaObjective(log_n, log_d, log_l, delta, weights=weights)
    theta0 = np.asarray(fit.theta, np.float64)
    values = {"E": fit.E, "A": fit.A, "B": fit.B, "alpha": fit.alpha, "beta": fit.beta}
    with np.errstate(all="ignore"):
        resid = np.log(np.maximum(fit.predict(n, d), 1e-300)) - log_l
    bounds = bound_reasons(values, log_n, log_d, loss)
    lmin = float(loss.min())
    theta0 = _finite_theta(theta0, lmin)
    f0 = float(obj(theta0[None])[0][0])
    thresh = lr_threshold(f0, resid, delta)
    step = 10.0 ** STEP_DECADES
    # chains: (constant, direction); each walks away from its start a tenth of a decade at a time until the
    # profile leaves Δ, then bisects the last step REFINE times (in log) to place the end of the interval
    chains = []
    for name in NAMES:
        v = values[name]
        if not (np.isfinite(v) and v > 0):
            continue
        start = max(v, 1e-4 * lmin) if name == "E" else v
        for direction in (-1, 1):
            if name == "E" and direction < 0 and "E" in bounds:
                continue  # already at 0: the lower side is open by construction
            far = start * step ** (direction * MAX_DECADES / STEP_DECADES)
            limit = lmin if (name == "E" and direction > 0) else far
            chains.append({"name": name, "dir": direction, "x": np.log(start), "theta": theta0.copy(),
                           "excess": -thresh, "limit": np.log(limit), "end": None, "out": None, "refine": 0,
                           "done": False})
    best_seen = f0
    while True:
        active = [c for c in chains if not c["done"]]
        if not active:
            break
        xs = [_next_x(c) for c in active]
        starts, owners = _profile_starts(np.array([c["theta"] for c in active]), [c["name"] for c in active],
                                         np.exp(xs), log_n, log_d, loss)
        cols = np.array([COLUMN[active[o]["name"]] for o in owners])
        res = lbfgs_batch(_Fixed(obj, cols), starts, gtol=1e-10, ftol=1e-13, max_iter=800)
        fun = np.where(np.isfinite(res.fun), res.fun, np.inf)
        for i, c in enumerate(active):
            mine = np.flatnonzero(owners == i)
            j = mine[np.argmin(fun[mine])]
            if not np.isfinite(fun[j]):  # the objective could not be evaluated there: this side stays open
                c["done"] = True
                continue
            best_seen = min(best_seen, float(fun[j]))
            excess = float(fun[j]) - (f0 + thresh)
            if excess > 0:
                c["out"] = (xs[i], excess)
            else:
                c["x"], c["theta"], c["excess"] = xs[i], res.x[j].copy(), excess
            if c["out"] is not None:
                c["refine"] += 1
                if c["refine"] > REFINE:  # interpolate the crossing between the inside and the outside point
                    (ox, oe), px, pe = c["out"], c["x"], c["excess"]
                    c["end"] = float(np.exp(px + pe / (pe - oe) * (ox - px)))
                    c["done"] = True
            elif (xs[i] - c["limit"]) * c["dir"] >= -LIMIT_TOL:
                c["done"] = True  # reached the limit still inside: this side is open
    profile, identifiable, warnings = {}, {}, []
    for name in NAMES:
        lo_c = next((c for c in chains if c["name"] == name and c["dir"] < 0), None)
        hi_c = next((c for c in chains if c["name"] == name and c["dir"] > 0), None)
        low = lo_c["end"] if lo_c else None
        high = hi_c["end"] if hi_c else None
        at_bound = bounds.get(name)
        ok = bool(not at_bound and low is not None and high is not None and high / low <= MAX_RATIO[name])
        profile[name] = {"low": low, "high": high, "open_low": low is None, "open_high": high is None,
                         "at_bound": at_bound}
        identifiable[name] = ok
        if not ok:
            warnings.append(_say(name, values[name], low, high, at_bound, lo_c, hi_c))
    lower = best_seen < f0 - max(1e-9 * abs(f0), 1e-300)
    if lower:
        warnings.append("the profile found a lower objective than the reported optimum: the fit stopped in a "
                        "local minimum, so its constants are not the best the data allow")
    return {"identifiable": identifiable, "profile": profile, "warnings": warnings, "threshold": float(thresh),
            "lower_optimum": bool(lower),
            "criterion": "profile likelihood (Huber objective as a likelihood, 95%, n − 5 degrees of freedom): "
                         "identifiable when not at a bound and the interval is closed and at most a decade "
                         "(A, B) or a factor 3 (E, alpha, beta) wide"}


def _fmt(v) -> str:
    return f"{v:.3g}"


def _say(name, value, low, high, at_bound, lo_c, hi_c) -> str:
    """One plain-language sentence on why `name` is not identified."""
    if at_bound:
        return f"{name} is not identified: {at_bound}; the runs do not constrain it"
    if low is not None:
        lo_txt = _fmt(low)
    else:
        lo_txt = "0" if name == "E" else f"below {_fmt(np.exp(lo_c['x']))}" if lo_c else "?"
    hi_txt = _fmt(high) if high is not None else (f"above {_fmt(np.exp(hi_c['x']))}" if hi_c else "?")
    return (f"{name} is not identified: the runs fit about as well with {name} anywhere from {lo_txt} to {hi_txt} "
            f"(estimate {_fmt(value)})")
