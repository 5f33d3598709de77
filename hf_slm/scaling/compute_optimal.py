"""Compute-optimal allocation of a FLOP budget C = 6ND (Hoffmann et al. 2022; Cuervo & Marxer eq. 6).

Minimising E + A/N^α + B/D^β subject to 6ND = C gives
    N_opt(C) = G (C/6)^a,   D_opt(C) = G^-1 (C/6)^b,
    G = (αA / (βB))^(1/(α+β)),   a = β/(α+β),   b = α/(α+β).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import optimize

from hf_slm.scaling.formulas import chinchilla_loss, compute_optimal_split


@dataclass(frozen=True)
class ComputeOptimal:
    G: float
    a: float
    b: float
    E: float
    A: float
    B: float
    alpha: float
    beta: float

    @classmethod
    def from_constants(cls, E, A, B, alpha, beta) -> "ComputeOptimal":
        g, a, b = compute_optimal_split(A, B, alpha, beta)
        return cls(G=float(g), a=float(a), b=float(b), E=float(E), A=float(A),
                   B=float(B), alpha=float(alpha), beta=float(beta))

    @classmethod
    def from_group(cls, group: dict) -> "ComputeOptimal | None":
        """From one group of scaling_laws.json (its "chinchilla" section), or None when that was not fitted
        or a constant is not a finite number (a term that overflowed, e.g. B = inf with β ≈ 237 from two
        budgets, is written as null)."""
        ch = (group or {}).get("chinchilla") or {}
        if not ch.get("fitted"):
            return None
        values = [ch.get(k) for k in ("E", "A", "B", "alpha", "beta")]
        if not all(isinstance(v, (int, float)) and np.isfinite(v) for v in values):
            return None
        return cls.from_constants(ch["E"], ch["A"], ch["B"], ch["alpha"], ch["beta"])

    def n_opt(self, flops):
        return self.G * (np.asarray(flops, np.float64) / 6.0) ** self.a

    def d_opt(self, flops):
        return (np.asarray(flops, np.float64) / 6.0) ** self.b / self.G

    def loss(self, flops):
        """The loss the law predicts when C is spent compute-optimally."""
        return self.loss_at(self.n_opt(flops), self.d_opt(flops))

    def loss_at(self, n, d):
        """The law's loss for N parameters trained on D tokens (any split)."""
        return chinchilla_loss(n, d, self.E, self.A, self.B, self.alpha, self.beta)

    def flops_for_loss(self, target: float) -> float:
        """The smallest C whose compute-optimal loss is `target` (which must exceed E)."""
        if not target > self.E:
            raise ValueError(f"loss {target} is not above the irreducible loss E = {self.E:.4g}")
        # loss(C) − E is a sum of two powers of C, so log(loss − E) is smooth and monotone in log C
        f = lambda lc: np.log(self.loss(np.exp(lc)) - self.E) - np.log(target - self.E)  # noqa: E731
        lo, hi = np.log(1.0), np.log(1e60)
        if f(lo) < 0:
            return 1.0
        if f(hi) > 0:
            raise ValueError(f"loss {target} needs more than 1e60 FLOPs")
        return float(np.exp(optimize.brentq(f, lo, hi, xtol=1e-13, rtol=1e-14)))

    def flops_for_data(self, d) -> np.ndarray:
        """The budget at which D tokens is the compute-optimal amount: C = 6 (G D)^(1/b)."""
        return 6.0 * (self.G * np.asarray(d, np.float64)) ** (1.0 / self.b)

    def to_dict(self) -> dict:
        return asdict(self)


def isoflop_curve(law: ComputeOptimal, flops: float, n_values) -> np.ndarray:
    """Loss along an isoFLOP line: each N trained on D = C / (6N) tokens."""
    n = np.asarray(n_values, np.float64)
    return law.loss_at(n, flops / (6.0 * n))
