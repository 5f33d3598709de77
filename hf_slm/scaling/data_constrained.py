"""Data-constrained law (Muennighoff et al. 2023, eq. 5–7; Cuervo & Marxer eq. 7/8).

Repeated data is worth less: with U_D unique tokens seen D/U_D times,
    R_D = max(D/U_D − 1, 0),   D' = U_D + U_D R*_D (1 − exp(−R_D/R*_D)),
and parameters beyond what U_D tokens justify are worth less too:
    U_N = min(N, N_opt(C(U_D))),   R_N = max(N/U_N − 1, 0),   N' = U_N + U_N R*_N (1 − exp(−R_N/R*_N)),
with C(U_D) the budget at which U_D tokens are compute-optimal. Then L = E + A/N'^α + B/D'^β.
1 − exp(−x) is computed as −expm1(−x).

Stage 2 (`fit_decay`) fits R*_D and R*_N with E, A, B, α, β fixed, on a dense log grid followed by
L-BFGS-B from the best grid cells. The objective is often flat in one of them (R*_D on the
datablations runs): the profile interval, the R*_D (R*_N) values whose best objective is within
`profile_rtol` of the minimum, shows it (by default χ²₁(0.95)/2 / n = 1.92/n: with δ small most
residuals lie in Huber's linear part, the objective is δ Σ|r|, a Laplace log-likelihood up to the
scale δ·mean|r|, and 1.92 is the 95% likelihood-ratio drop for one parameter), and a parameter
whose interval spans more than a decade or reaches the edge of the search range is reported as
ill-determined. `bootstrap` adds percentile intervals from resampled runs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import optimize

from hf_slm.scaling.bootstrap import interval, resample_counts
from hf_slm.scaling.compute_optimal import ComputeOptimal
from hf_slm.scaling.formulas import chinchilla_loss, chinchilla_terms, effective
from hf_slm.scaling.huber import DELTA_HOFFMANN, huber, huber_grad

R_RANGE = (1e-2, 1e4)  # search range of R*_D and R*_N


@dataclass(frozen=True)
class Constants:
    E: float
    A: float
    B: float
    alpha: float
    beta: float


def unique_params(n, u_d, c: Constants):
    """U_N = min(N, N_opt(C(U_D))): the compute-optimal size for the budget where U_D is optimal."""
    co = ComputeOptimal.from_constants(c.E, c.A, c.B, c.alpha, c.beta)
    return np.minimum(np.asarray(n, np.float64), co.n_opt(co.flops_for_data(u_d)))


def data_constrained_loss(n, d, u_d, c: Constants, r_star_d: float, r_star_n: float):
    n, d, u_d = (np.asarray(v, np.float64) for v in (n, d, u_d))
    u_d = np.minimum(u_d, d)  # fewer tokens seen than unique: no repetition
    r_d = np.maximum(d / u_d - 1.0, 0.0)
    d_eff = effective(u_d, r_d, r_star_d)
    u_n = unique_params(n, u_d, c)
    r_n = np.maximum(n / u_n - 1.0, 0.0)
    n_eff = effective(u_n, r_n, r_star_n)
    return chinchilla_loss(n_eff, d_eff, c.E, c.A, c.B, c.alpha, c.beta)


def huber_log_objective(loss_pred, loss, delta: float = DELTA_HOFFMANN) -> float:
    return float(huber(np.log(loss_pred) - np.log(loss), delta).sum())


def r_squared(pred, loss) -> float:
    loss = np.asarray(loss, np.float64)
    return float(1.0 - np.sum((loss - pred) ** 2) / np.sum((loss - loss.mean()) ** 2))


@dataclass
class DecayFit:
    R_D_star: float
    R_N_star: float
    objective: float
    delta: float
    n_points: int
    intervals: dict  # {"R_D_star": {"low", "high", "method", "ill_determined"}, "R_N_star": ...}
    ill_determined: list = field(default_factory=list)
    converged: bool = True
    message: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


class _Decay:
    """The stage-2 objective in (log R*_D, log R*_N), vectorised over a batch of parameter pairs."""

    def __init__(self, n, d, u_d, loss, c: Constants, delta):
        n, d, u_d, loss = (np.asarray(v, np.float64) for v in (n, d, u_d, loss))
        u_d = np.minimum(u_d, d)
        self.c, self.delta = c, delta
        self.u_d, self.r_d = u_d, np.maximum(d / u_d - 1.0, 0.0)
        self.u_n = unique_params(n, u_d, c)
        self.r_n = np.maximum(n / self.u_n - 1.0, 0.0)
        self.log_l = np.log(loss)

    def parts(self, log_rd, log_rn):
        rd = np.exp(np.asarray(log_rd, np.float64))[..., None]
        rn = np.exp(np.asarray(log_rn, np.float64))[..., None]
        d_eff = effective(self.u_d, self.r_d, rd)
        n_eff = effective(self.u_n, self.r_n, rn)
        tn, td = chinchilla_terms(n_eff, d_eff, self.c.A, self.c.B, self.c.alpha, self.c.beta)
        pred = self.c.E + tn + td
        return pred, rd, rn, d_eff, n_eff, tn, td

    def value(self, log_rd, log_rn):
        pred = self.parts(log_rd, log_rn)[0]
        return huber(np.log(pred) - self.log_l, self.delta).sum(axis=-1)

    def value_grad(self, x):
        pred, rd, rn, d_eff, n_eff, tn, td = self.parts(x[0], x[1])
        r = np.log(pred) - self.log_l
        psi = huber_grad(r, self.delta) / pred
        # d D'/d log R*_D = U_D R*_D (1 − e^(−R_D/R*_D)) − U_D R_D e^(−R_D/R*_D)
        #                = (D' − U_D) − U_D R_D e^(−R_D/R*_D); the same for N'
        dd = (d_eff - self.u_d) - self.u_d * self.r_d * np.exp(-self.r_d / rd)
        dn = (n_eff - self.u_n) - self.u_n * self.r_n * np.exp(-self.r_n / rn)
        g0 = np.sum(psi * (-self.c.beta * td / d_eff) * dd)
        g1 = np.sum(psi * (-self.c.alpha * tn / n_eff) * dn)
        return float(huber(r, self.delta).sum()), np.array([g0, g1])


def fit_decay(n, d, u_d, loss, constants: Constants, *, delta: float = DELTA_HOFFMANN, grid_size: int = 61,
              profile_rtol: float | None = None, r_range=R_RANGE, n_polish: int = 5, bootstrap: int = 0,
              seed: int = 0, level: float = 0.95) -> DecayFit:
    """Stage 2: R*_D and R*_N with the first five constants fixed (see the module docstring).

    bootstrap > 0 adds percentile intervals from resampled runs, each refitted on the same grid: the
    per-point Huber terms on the grid do not depend on the resample, so all refits are one matrix
    product (resolution: one grid step, a factor 10^(6/60) ≈ 1.26 by default).
    """
    prob = _Decay(n, d, u_d, loss, constants, delta)
    npts = prob.log_l.size
    lo, hi = np.log(r_range[0]), np.log(r_range[1])
    axis = np.linspace(lo, hi, grid_size)
    gd, gn = np.meshgrid(axis, axis, indexing="ij")
    per_point = huber(np.log(prob.parts(gd, gn)[0]) - prob.log_l, delta)  # (grid, grid, points)
    vals = per_point.sum(axis=-1)  # [i_d, i_n]
    order = np.argsort(vals, axis=None)[: n_polish]
    best = None
    for flat in order:
        i, j = np.unravel_index(flat, vals.shape)
        out = optimize.minimize(prob.value_grad, np.array([axis[i], axis[j]]), jac=True, method="L-BFGS-B",
                                bounds=[(lo, hi), (lo, hi)], options={"ftol": 1e-15, "gtol": 1e-12})
        if best is None or out.fun < best.fun:
            best = out
    if profile_rtol is None:
        profile_rtol = _default_rtol(prob, best.x, delta)
    fmin = min(float(best.fun), float(vals.min()))
    thresh = fmin * (1.0 + profile_rtol)
    boot = None
    if bootstrap:
        counts = resample_counts(npts, bootstrap, seed)
        surfaces = (counts @ per_point.reshape(-1, npts).T).reshape(bootstrap, grid_size, grid_size)
        boot = _refined_argmin(surfaces, axis)
    intervals, ill = {}, []
    for k, name in enumerate(("R_D_star", "R_N_star")):
        low, high, edge = _profile_interval(prob, axis, vals, best.x, k, thresh)
        wide = high / low > 10.0
        intervals[name] = {"low": low, "high": high, "method": f"profile, objective within {profile_rtol:.3g} "
                           f"relative of the minimum", "ill_determined": bool(edge or wide)}
        if boot is not None:
            b_lo, b_hi = interval(np.exp(boot[k]), level)
            intervals[name].update(bootstrap_low=b_lo, bootstrap_high=b_hi, level=level)
        if edge or wide:
            ill.append(name)
    return DecayFit(R_D_star=float(np.exp(best.x[0])), R_N_star=float(np.exp(best.x[1])), objective=float(best.fun),
                    delta=delta, n_points=int(npts), intervals=intervals, ill_determined=ill,
                    converged=bool(best.success), message=str(best.message))


def _default_rtol(prob: _Decay, x, delta) -> float:
    """χ²₁(0.95)/2 per point, doubled for the share of residuals in Huber's quadratic part.

    Linear part: the objective is δΣ|r|, a Laplace log-likelihood times δ·mean|r|, so a 95% drop of
    1.92 is 1.92/n of it. Quadratic part: Σr²/2 is a Gaussian one times σ² = 2f/n: 3.84/n.
    """
    r = np.log(prob.parts(x[0], x[1])[0]) - prob.log_l
    quadratic = float(np.mean(np.abs(r) <= delta))
    return 1.920729410347062 * (1.0 + quadratic) / r.size


def _profile_interval(prob: _Decay, axis, vals, x_best, k: int, thresh: float):
    """Where min over the other parameter stays under `thresh`: refined between grid points.

    The profile at each grid value is minimised over the other parameter within one grid step of
    its grid optimum (bounded Brent), and the interval ends are interpolated linearly in log R*.
    """
    step = axis[1] - axis[0]
    lo_b, hi_b = axis[0], axis[-1]

    def profile(v):
        if k == 0:
            f = lambda o: float(prob.value(v, o))  # noqa: E731
            j = int(np.argmin(vals[np.argmin(np.abs(axis - v))]))
        else:
            f = lambda o: float(prob.value(o, v))  # noqa: E731
            j = int(np.argmin(vals[:, np.argmin(np.abs(axis - v))]))
        a, b = max(axis[j] - step, lo_b), min(axis[j] + step, hi_b)
        res = optimize.minimize_scalar(f, bounds=(a, b), method="bounded", options={"xatol": 1e-6})
        return min(float(res.fun), f(axis[j]))

    prof = np.array([profile(v) for v in axis]) - thresh  # ≤ 0 inside
    x0 = x_best[k]
    ends = []
    for direction in (-1, 1):
        i = int(np.searchsorted(axis, x0)) - (1 if direction < 0 else 0)
        prev_x, prev_v = x0, float(prob.value(*x_best)) - thresh
        end, edge = None, False
        while 0 <= i < axis.size:
            if prof[i] > 0:  # crossed: interpolate between the last inside point and this one
                t = prev_v / (prev_v - prof[i])
                end = prev_x + t * (axis[i] - prev_x)
                break
            prev_x, prev_v = axis[i], prof[i]
            i += direction
        if end is None:
            end, edge = (axis[0] if direction < 0 else axis[-1]), True
        ends.append((end, edge))
    (lo, e1), (hi, e2) = ends
    return float(np.exp(lo)), float(np.exp(hi)), e1 or e2


def _refined_argmin(surfaces, axis):
    """Argmin of each (grid × grid) surface, refined by a parabola through its neighbours per axis."""
    r, g, _ = surfaces.shape
    flat = np.argmin(surfaces.reshape(r, -1), axis=1)
    i, j = np.unravel_index(flat, (g, g))
    step = axis[1] - axis[0]
    out = []
    for idx, take in ((i, lambda a, b: surfaces[np.arange(r), a, j]), (j, lambda a, b: surfaces[np.arange(r), i, a])):
        inner = (idx > 0) & (idx < g - 1)
        a = np.clip(idx, 1, g - 2)
        fm, f0, fp = take(a - 1, None), take(a, None), take(a + 1, None)
        curv = fm - 2 * f0 + fp
        with np.errstate(divide="ignore", invalid="ignore"):
            off = np.where(inner & (curv > 0), 0.5 * (fm - fp) / curv, 0.0)
        out.append(axis[idx] + np.clip(off, -0.5, 0.5) * step)
    return out
