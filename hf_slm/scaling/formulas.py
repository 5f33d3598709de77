"""The closed-form equations of the laws, each written once: every fit, plan, plot and card calls these.

- Chinchilla (Hoffmann et al. 2022; Cuervo & Marxer 2024 eq. 4): L(N, D) = E + A/N^α + B/D^β.
- Compute-optimal split of C = 6ND (Cuervo & Marxer eq. 6): N_opt = G (C/6)^a, D_opt = (C/6)^b / G,
  G = (αA / (βB))^(1/(α+β)), a = β/(α+β), b = α/(α+β).
- Effective data or parameters under repetition (Muennighoff et al. 2023 eq. 5/6): U + U R* (1 − e^(−R/R*)).
- Power laws of compute (envelopes, downstream metrics): y = k x^γ and its inverse.
"""

from __future__ import annotations

import numpy as np


def chinchilla_terms(n, d, A, B, alpha, beta):
    """The two reducible terms (A/N^α, B/D^β), float64, broadcast over arrays."""
    n = np.asarray(n, np.float64)
    d = np.asarray(d, np.float64)
    return A * n ** -alpha, B * d ** -beta


def chinchilla_loss(n, d, E, A, B, alpha, beta):
    """L(N, D) = E + A/N^α + B/D^β."""
    tn, td = chinchilla_terms(n, d, A, B, alpha, beta)
    return E + tn + td


def compute_optimal_split(A, B, alpha, beta):
    """(G, a, b) of the compute-optimal allocation; arrays broadcast (bootstrap samples).

    G in log space: αA/(βB) can be far from 1 and the power 1/(α+β) amplifies its rounding.
    """
    A, B, alpha, beta = (np.asarray(v, np.float64) for v in (A, B, alpha, beta))
    s = alpha + beta
    with np.errstate(all="ignore"):  # degenerate samples (α ≤ 0, A = inf) give nan/inf, not warnings
        log_g = (np.log(alpha) + np.log(A) - np.log(beta) - np.log(B)) / s
        return np.exp(log_g), beta / s, alpha / s


def effective(u, r, r_star):
    """U + U R* (1 − exp(−R/R*)): what U unique items repeated R extra times are worth (expm1 for small R/R*)."""
    return u + u * r_star * -np.expm1(-r / r_star)


def power_law(x, k, gamma):
    """y = k x^γ."""
    return k * np.asarray(x, np.float64) ** gamma


def power_law_inverse(y, k, gamma):
    """The x at which k x^γ reaches y."""
    return (np.asarray(y, np.float64) / k) ** (1.0 / gamma)
