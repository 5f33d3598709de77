"""Simulated Chinchilla data on the designs issue 14 names: a demo-sized 3×3 grid and a 7×7 grid."""

from __future__ import annotations

import numpy as np

from hf_slm.runrecord import RunRecord
from tests.helpers.scaling_runs import SPEECH, law

TINY_SIZES = (5e4, 1e5, 2.5e5)  # the micro preset's scales (about their non-embedding counts); the tiny
# preset's own 3×3 (55,536..996,624 × 1e5..4e5) is tested through `hf-slm fit --table` in tests/test_fit_table.py
TINY_TOKENS = (8e3, 1.6e4, 3e4)  # and the micro preset's token budgets (fewer tokens than parameters)


def tiny_design():
    n, d = np.meshgrid(TINY_SIZES, TINY_TOKENS, indexing="ij")
    return n.ravel(), d.ravel()


def wide_design():
    """7×7: N 3e4..3e6, D/N 0.5..100 (log spaced)."""
    n, r = np.meshgrid(np.geomspace(3e4, 3e6, 7), np.geomspace(0.5, 100, 7), indexing="ij")
    return n.ravel(), (n * r).ravel()


def simulate(n, d, seed: int, noise: float = 0.01, constants=SPEECH):
    rng = np.random.default_rng(seed)
    return law(n, d, constants) * np.exp(noise * rng.standard_normal(np.size(n)))


def records(n, d, loss, mode: str = "speech", tokenization: str | None = None) -> list[RunRecord]:
    return [RunRecord(name=f"{mode}-{i}", scale="x", mode=mode, status="completed", n_params=float(a),
                      tokens_seen=float(b), unique_tokens=float(b), flops_6nd=6.0 * a * b, final_test_loss=float(c),
                      tokenization=tokenization)
            for i, (a, b, c) in enumerate(zip(n, d, loss))]


# the tiny demo's 6 interleaved runs of seed 1 (n_params, tokens, test loss): two budgets only
SEED1_INTERLEAVED = [[996624.0, 996624.0, 238640.0, 238640.0, 55536.0, 55536.0], [98304.0, 49152.0, 98304.0, 49152.0, 98304.0, 49152.0], [5.189164619757872, 5.80861546122986, 5.8852073601075165, 6.2498856333846655, 6.353049830699367, 6.5202217443842905]]
