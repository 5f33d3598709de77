"""Synthetic run records for the scaling tests: the paper's speech law over the paper's grid."""

from __future__ import annotations

import numpy as np

from hf_slm.modeling import PAPER_SCALES, counts_for_scale
from hf_slm.runrecord import RunRecord

SPEECH = {"E": 1.73, "A": 13.9, "B": 39.8, "alpha": 0.25, "beta": 0.24}  # Cuervo & Marxer Table 4
RATIOS = (2, 4, 8, 16, 32, 64, 128)  # D/N budgets of the paper
SBLIMP = {"k": 0.2304, "gamma": 0.021}  # Q = k C^γ: 0.55 at 1e18 FLOPs, the paper's speech γ


def law(n, d, c=SPEECH):
    return c["E"] + c["A"] * np.asarray(n, float) ** -c["alpha"] + c["B"] * np.asarray(d, float) ** -c["beta"]


def speech_runs(seed: int = 0, noise: float = 0.005, score_noise: float = 0.002, curve_points: int = 8,
                mode: str = "speech", constants=SPEECH, scores=True) -> list[RunRecord]:
    """One completed run per (paper scale, D/N ratio), losses with multiplicative log-normal noise."""
    rng = np.random.default_rng(seed)
    runs = []
    for scale in PAPER_SCALES.values():
        n = counts_for_scale(scale, 502, 2050).n_params
        for ratio in RATIOS:
            d = ratio * n
            loss = float(law(n, d, constants) * np.exp(noise * rng.standard_normal()))
            curve = []
            for frac in np.geomspace(0.05, 1.0, curve_points):
                t = frac * d
                curve.append({"step": int(frac * 1000), "tokens": float(t), "flops": 6.0 * n * t,
                              "test_loss": float(law(n, t, constants))})
            rec = RunRecord(name=f"{mode}-{scale.name}-x{ratio}", scale=scale.name, mode=mode, status="completed",
                            n_params=n, tokens_seen=int(d), unique_tokens=int(d), flops_6nd=6.0 * n * d,
                            final_test_loss=loss, learning_curve=curve)
            if scores:
                q = SBLIMP["k"] * (6.0 * n * d) ** SBLIMP["gamma"] + score_noise * rng.standard_normal()
                rec.scores = {"sblimp": {"value": float(q), "ci_low": float(q) - 0.01, "ci_high": float(q) + 0.01,
                                         "n": 1000}}
            runs.append(rec)
    return runs
