"""L-BFGS run on many independent problems at once (one row of X per start or per resample).

Every row has its own history, step length and stopping test, so the result of a row is what a
one-start L-BFGS would give; the batching only shares the numpy calls. Rows that have stopped
leave the active set, so the late iterations, where few starts are still moving, cost little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BatchResult:
    x: np.ndarray  # (S, p) final points
    fun: np.ndarray  # (S,) final objectives
    grad_max: np.ndarray  # (S,) max |gradient| at the final point
    nit: np.ndarray  # (S,) iterations
    converged: np.ndarray  # (S,) bool: stopped by the gradient or objective test (not by a limit)
    status: np.ndarray  # (S,) 0 gradient test, 1 objective test, 2 max_iter, 3 line search failed


def lbfgs_batch(fun, x0, *, m: int = 10, max_iter: int = 1000, gtol: float = 1e-9,
                ftol: float = 1e-14, max_ls: int = 40, c1: float = 1e-4) -> BatchResult:
    """Minimise S independent problems. `fun(X, rows) -> (f (k,), G (k, p))` for those rows.

    Stops a row when max|g| <= gtol, or when the objective falls by no more than
    ftol * max(|f|, |f_new|, 1) in an iteration (scipy's L-BFGS-B test), or after max_iter.
    Line search: backtracking with quadratic interpolation to the Armijo condition.
    """
    x = np.array(x0, dtype=np.float64, copy=True)
    S, p = x.shape
    rows = np.arange(S)
    f, g = fun(x, rows)
    f = np.asarray(f, np.float64).copy()
    g = np.asarray(g, np.float64).copy()
    s_hist = np.zeros((S, m, p))
    y_hist = np.zeros((S, m, p))
    rho = np.zeros((S, m))  # 0 marks an empty slot, which the two-loop recursion then skips
    nit = np.zeros(S, dtype=np.int64)
    status = np.full(S, 2, dtype=np.int64)
    done = np.abs(g).max(axis=1) <= gtol
    status[done] = 0
    active = rows[~done]
    for _ in range(max_iter):
        if active.size == 0:
            break
        xa, fa, ga = x[active], f[active], g[active]
        d = -_two_loop(ga, s_hist[active], y_hist[active], rho[active])
        slope = np.einsum("ij,ij->i", ga, d)
        bad = ~(slope < 0) | ~np.isfinite(slope)
        if bad.any():  # not a descent direction: forget the history, go down the gradient
            rho[active[bad]] = 0.0
            d[bad] = -ga[bad] / np.maximum(np.linalg.norm(ga[bad], axis=1, keepdims=True), 1e-300)
            slope[bad] = np.einsum("ij,ij->i", ga[bad], d[bad])
        t = np.ones(active.size)
        f_new = np.empty(active.size)
        g_new = np.empty_like(ga)
        pending = np.arange(active.size)
        for _ls in range(max_ls):
            xt = xa[pending] + t[pending, None] * d[pending]
            ft, gt = fun(xt, active[pending])
            f_new[pending] = ft
            g_new[pending] = gt
            ok = np.isfinite(ft) & (ft <= fa[pending] + c1 * t[pending] * slope[pending])
            fail = pending[~ok]
            if fail.size == 0:
                pending = fail
                break
            # minimiser of the quadratic through f(0), f'(0) and f(t), kept within [0.1t, 0.5t]
            tf = t[fail]
            denom = 2.0 * (f_new[fail] - fa[fail] - slope[fail] * tf)
            with np.errstate(divide="ignore", invalid="ignore"):
                tq = -slope[fail] * tf * tf / denom
            tq = np.where(np.isfinite(tq), tq, 0.5 * tf)
            t[fail] = np.clip(tq, 0.1 * tf, 0.5 * tf)
            pending = fail
        ls_failed = np.zeros(active.size, dtype=bool)
        ls_failed[pending] = True
        moved = ~ls_failed
        idx = active[moved]
        s = t[moved, None] * d[moved]
        y = g_new[moved] - ga[moved]
        sy = np.einsum("ij,ij->i", s, y)
        # curvature condition, else skip the pair; the floor keeps 1/sy finite on flat, degenerate rows
        keep = sy > np.maximum(1e-12 * np.einsum("ij,ij->i", y, y), 1e-300)
        upd = idx[keep]
        s_hist[upd, :-1] = s_hist[upd, 1:]
        y_hist[upd, :-1] = y_hist[upd, 1:]
        rho[upd, :-1] = rho[upd, 1:]
        s_hist[upd, -1] = s[keep]
        y_hist[upd, -1] = y[keep]
        rho[upd, -1] = 1.0 / sy[keep]
        f_old = f[idx]
        x[idx] = xa[moved] + s
        f[idx] = f_new[moved]
        g[idx] = g_new[moved]
        nit[active] += 1
        gstop = np.abs(g[idx]).max(axis=1) <= gtol
        fstop = (f_old - f[idx]) <= ftol * np.maximum(np.maximum(np.abs(f_old), np.abs(f[idx])), 1.0)
        status[idx[gstop]] = 0
        status[idx[fstop & ~gstop]] = 1
        status[active[ls_failed]] = 3
        stopped = np.zeros(S, dtype=bool)
        stopped[idx[gstop | fstop]] = True
        stopped[active[ls_failed]] = True
        active = active[~stopped[active]]
    return BatchResult(x=x, fun=f, grad_max=np.abs(g).max(axis=1), nit=nit,
                       converged=status <= 1, status=status)


def _two_loop(g, s_hist, y_hist, rho):
    """H·g for each row from its (s, y) pairs (newest last); empty slots have rho = 0."""
    q = g.copy()
    m = s_hist.shape[1]
    alpha = np.zeros(rho.shape)
    for i in range(m - 1, -1, -1):
        alpha[:, i] = rho[:, i] * np.einsum("ij,ij->i", s_hist[:, i], q)
        q -= alpha[:, i, None] * y_hist[:, i]
    # initial Hessian scale s·y / y·y from the newest pair; without history a unit-length step
    sy = 1.0 / np.where(rho[:, -1] > 0, rho[:, -1], np.inf)
    yy = np.einsum("ij,ij->i", y_hist[:, -1], y_hist[:, -1])
    has = rho[:, -1] > 0
    gamma = np.where(has, sy / np.where(has, np.maximum(yy, 1e-300), 1.0),
                     1.0 / np.maximum(np.linalg.norm(g, axis=1), 1e-300))
    r = gamma[:, None] * q
    for i in range(m):
        beta = rho[:, i] * np.einsum("ij,ij->i", y_hist[:, i], r)
        r += (alpha[:, i] - beta)[:, None] * s_hist[:, i]
    return r
