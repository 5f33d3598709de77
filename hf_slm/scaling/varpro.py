"""Variable-projection starts for the Chinchilla fit: (E, A, B) solved for each (α, β).

For fixed exponents the law L = E + A·N^−α + B·D^−β is linear in (E, A, B), so the three
coefficients need no starting values of their own: a nonnegative least-squares fit of the
relative error (which approximates the log residuals the Huber objective sees) gives them. A grid
of starts then reduces to its distinct (α, β): on the 4,500-point grid, 25 starts instead of
4,500, each already near its valley floor, so the joint L-BFGS that follows is short.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

# a coefficient that NNLS sets to zero would start with its term dead (zero gradient); it starts
# instead where the term makes up this fraction of the mean loss, so the optimiser can still use it
DEAD_TERM_SHARE = 1e-3


def exponent_pairs(grid: np.ndarray) -> np.ndarray:
    """The distinct (α, β) of a start grid (columns 3 and 4 of (a, b, e, α, β)), in sorted order."""
    return np.unique(np.atleast_2d(np.asarray(grid, np.float64))[:, 3:5], axis=0)


def linear_coefficients(log_n, log_d, loss, alpha: float, beta: float, weights=None) -> np.ndarray:
    """log of (A, B, E) ≥ 0 minimising Σ w ((E + A N^−α + B D^−β − L) / L)² at fixed α, β (w = 1 unless weights)."""
    loss = np.asarray(loss, np.float64)
    # in logs first: a profile start may hold the other exponent far below 0 (its own coefficient tiny), and
    # D^-β with β = -60 on 4e5 tokens overflows to inf
    log_cols = np.stack([-alpha * np.asarray(log_n, np.float64), -beta * np.asarray(log_d, np.float64),
                         np.zeros_like(loss)], axis=1) - np.log(loss)[:, None]
    target = np.ones_like(loss)
    if weights is not None:  # bootstrap counts: a point drawn k times counts k times
        with np.errstate(divide="ignore"):
            log_sw = 0.5 * np.log(np.asarray(weights, np.float64))
        log_cols, target = log_cols + log_sw[:, None], target * np.exp(log_sw)
    with np.errstate(over="ignore"):
        cols = np.exp(log_cols)
        norm = np.linalg.norm(cols, axis=0)  # unit columns: N^−α and D^−β differ by many orders
    # A term below 1e-154 at every point (D^-β with β = 67 on 5e4 tokens is 1e-314, subnormal) would need a
    # coefficient beyond 1e154 to matter: it is left out of NNLS, which given that column answered [nan, inf]
    # (1 / norm overflows), and starts at the floor below like a term NNLS zeroes. So is a term that
    # overflows somewhere (inf / inf is nan): it needs a coefficient near 0, which is the floor too.
    live = np.isfinite(norm) & (norm > np.sqrt(np.finfo(np.float64).tiny))
    z = np.zeros(cols.shape[1])
    if live.any():
        z[live], _ = optimize.nnls(cols[:, live] / norm[live], target)
        z[live] /= norm[live]
    # the floor DEAD_TERM_SHARE / mean, in logs (the mean too, so an overflowing term gets a finite floor); a
    # term that underflowed (mean ~1e-320) takes any coefficient, and the quotient itself would overflow to inf
    log_mean = special.logsumexp(log_cols, axis=0) - np.log(len(loss))
    with np.errstate(divide="ignore"):
        log_floor = np.where(cols.mean(axis=0) > 0, np.log(DEAD_TERM_SHARE) - log_mean, 0.0)
        return np.maximum(np.log(z), log_floor)


def varpro_starts(log_n, log_d, loss, grid: np.ndarray, weights=None) -> np.ndarray:
    """One start (a, b, e, α, β) per distinct (α, β) of `grid`, with a, b, e from `linear_coefficients`."""
    pairs = exponent_pairs(grid)
    abe = np.array([linear_coefficients(log_n, log_d, loss, al, be, weights) for al, be in pairs])
    return np.concatenate([abe, pairs], axis=1)
