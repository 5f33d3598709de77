"""Huber loss and the log-space Chinchilla objective shared by the fits (float64, log-sum-exp).

The objective is evaluated for thousands of parameter rows at once (starts of the grid, or
bootstrap resamples), so it works in preallocated buffers with in-place numpy operations: at
4,500 × 240 a fresh temporary costs about as much as the arithmetic itself.
"""

from __future__ import annotations

import numpy as np

# Huber δ on log-loss residuals: the two conventions (the fits take either as `delta`)
DELTA_CUERVO_MARXER = 0.03  # Cuervo & Marxer 2024; the default of `hf-slm fit` and fit_runs
DELTA_HOFFMANN = 1e-3  # Hoffmann et al. 2022 and Epoch AI's replication; the default of the low-level fits


def huber(r: np.ndarray, delta: float) -> np.ndarray:
    """0.5 r² inside ±delta, delta(|r| − delta/2) outside (Hoffmann et al. 2022, Approach 3)."""
    psi = np.clip(r, -delta, delta)
    return psi * (r - 0.5 * psi)  # equals the two-branch form, with one clip instead of a where


def huber_grad(r: np.ndarray, delta: float) -> np.ndarray:
    return np.clip(r, -delta, delta)


def log_loss_terms(theta: np.ndarray, log_n: np.ndarray, log_d: np.ndarray):
    """log L̂ = LSE(a − α log N, b − β log D, e) for each row of theta = (a, b, e, α, β).

    theta: (S, 5); log_n, log_d: (n,). Returns the prediction (S, n) and the three softmax
    weights (S, n), which are the derivatives of the prediction by a, b and e. Max-shifted, so
    safe for any theta.
    """
    theta = np.atleast_2d(np.asarray(theta, np.float64))
    a, b, e, al, be = (theta[:, i, None] for i in range(5))
    u1 = a - al * log_n
    u2 = b - be * log_d
    u3 = np.broadcast_to(e, u1.shape)
    top = np.maximum(np.maximum(u1, u2), u3)
    t1, t2, t3 = np.exp(u1 - top), np.exp(u2 - top), np.exp(u3 - top)
    tot = t1 + t2 + t3
    return top + np.log(tot), t1 / tot, t2 / tot, t3 / tot


class ChinchillaObjective:
    """f(θ) = Σ_i w_i · Huber_δ(LSE(a − α log N_i, b − β log D_i, e) − log L_i), with ∇f.

    Call with theta (k, 5) in the order (a, b, e, α, β) and the row indices (k,) that select each
    row's weights when `weights` is (S, n) (bootstrap counts); returns f (k,), grad (k, 5).
    """

    def __init__(self, log_n, log_d, log_l, delta: float, weights=None, scale: float = 1.0):
        self.log_n = np.ascontiguousarray(log_n, np.float64)
        self.log_d = np.ascontiguousarray(log_d, np.float64)
        self.log_l = np.ascontiguousarray(log_l, np.float64)
        self.delta = float(delta)
        self.weights = None if weights is None else np.asarray(weights, np.float64)
        self.scale = float(scale)
        self.n = self.log_n.size
        self._ln1 = np.stack([np.ones(self.n), self.log_n], axis=1)  # one matmul gives Σq and Σq·logN
        self._ld1 = np.stack([np.ones(self.n), self.log_d], axis=1)
        self._buf = None

    def _buffers(self, k):
        if self._buf is None or self._buf[0].shape[0] < k:
            self._buf = [np.empty((k, self.n)) for _ in range(5)]
        return [b[:k] for b in self._buf]

    def __call__(self, theta, rows=None):
        theta = np.atleast_2d(np.asarray(theta, np.float64))
        k = theta.shape[0]
        t1, t2, tot, r, psi = self._buffers(k)
        a, b, e, al, be = (theta[:, i, None] for i in range(5))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            # fast path: plain exponentials, exact while every argument stays within ±700
            np.multiply(al, -self.log_n, out=t1)
            t1 += a
            np.exp(t1, out=t1)
            np.multiply(be, -self.log_d, out=t2)
            t2 += b
            np.exp(t2, out=t2)
            ee = np.exp(e)
            np.add(t1, t2, out=tot)
            tot += ee
            np.log(tot, out=r)
            r -= self.log_l
            f, g = self._huber_and_grad(rows, t1, t2, tot, r, psi, ee)
        bad = ~(np.isfinite(f) & np.isfinite(g).all(axis=1))
        if bad.any():  # over/underflow on a wild trial point: redo those rows max-shifted
            sub = None if rows is None else np.asarray(rows)[bad]
            f[bad], g[bad] = self._stable(theta[bad], sub)
        return f, g

    def _huber_and_grad(self, rows, t1, t2, tot, r, psi, ee):
        np.clip(r, -self.delta, self.delta, out=psi)
        if self.weights is not None:
            w = self.weights if self.weights.ndim == 1 else self.weights[rows]
            psi *= w
            # Σ w ψ (r − ψ/2) with ψ the clipped residual; psi here already carries w
            f = np.einsum("ij,ij->i", psi, r) - 0.5 * np.einsum("ij,ij->i", psi, np.clip(r, -self.delta, self.delta))
        else:
            f = np.einsum("ij,ij->i", psi, r) - 0.5 * np.einsum("ij,ij->i", psi, psi)
        psi /= tot  # dHuber/dpred / total: times each exp term gives d/da, d/db, d/de
        t1 *= psi
        t2 *= psi
        qa = t1 @ self._ln1
        qb = t2 @ self._ld1
        g = np.empty((r.shape[0], 5))
        g[:, 0] = qa[:, 0]
        g[:, 1] = qb[:, 0]
        g[:, 2] = ee[:, 0] * psi.sum(axis=1)
        g[:, 3] = -qa[:, 1]
        g[:, 4] = -qb[:, 1]
        return f * self.scale, g * self.scale

    def _stable(self, theta, rows):
        # a trial point with an infinite term (inf − inf inside the shift) comes back nan: the line search
        # and the profile read a non-finite objective as "cannot be evaluated here", so no warning is due
        with np.errstate(invalid="ignore"):
            return self._stable_terms(theta, rows)

    def _stable_terms(self, theta, rows):
        pred, p1, p2, p3 = log_loss_terms(theta, self.log_n, self.log_d)
        r = pred - self.log_l
        psi = np.clip(r, -self.delta, self.delta)
        h = psi * (r - 0.5 * psi)
        if self.weights is not None:
            w = self.weights if self.weights.ndim == 1 else self.weights[rows]
            h, psi = h * w, psi * w
        q1, q2 = psi * p1, psi * p2
        g = np.stack([q1.sum(1), q2.sum(1), (psi * p3).sum(1), -(q1 @ self.log_n), -(q2 @ self.log_d)], axis=1)
        return h.sum(axis=1) * self.scale, g * self.scale


def chinchilla_objective(theta, log_n, log_d, log_l, delta, weights=None):
    """Summed Huber of log residuals and its gradient for each row of theta (a, b, e, α, β)."""
    theta = np.atleast_2d(np.asarray(theta, np.float64))
    rows = None if weights is None or np.ndim(weights) == 1 else np.arange(theta.shape[0])
    return ChinchillaObjective(log_n, log_d, log_l, delta, weights)(theta, rows)
