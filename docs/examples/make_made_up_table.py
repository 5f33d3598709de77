"""Write made_up_speech_runs.csv: MADE-UP results, simulated from the paper's published laws.

Nothing in that table was measured. Losses follow Cuervo & Marxer 2024 Table 4 (speech law) on the
paper's grid (five scales × D/N 2..128, single epoch) with 1% multiplicative noise; downstream scores
follow Q = k C^γ with the paper's Table 3 speech exponents (sBLIMP 0.021, tSC 0.025, sSC 0.017), k set
so that 823M at 82B tokens scores what the paper reports for it (61.3, 78.0, 56.7%), plus 0.5% noise.
It exists to show `hf-slm fit --table` on a table shaped like published results.

    python docs/examples/make_made_up_table.py     # rewrites docs/examples/made_up_speech_runs.csv
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from hf_slm.modeling import PAPER_SCALES, counts_for_scale
from hf_slm.paper import paper_constants
from hf_slm.scaling import chinchilla_loss

OUT = Path(__file__).resolve().parent / "made_up_speech_runs.csv"
SEED = 2024


def main() -> None:
    paper = paper_constants()["cuervo_marxer_2024"]
    law = paper["table4_scaling_law"]["speech"]
    gamma = paper["table3_downstream_gamma"]["speech"]
    best = paper["best_model_823M_82B"]
    exponents = {"sblimp": gamma["sblimp"], "tsc": gamma["topic_cloze"], "ssc": gamma["story_cloze"]}
    c_best = 6.0 * counts_for_scale(PAPER_SCALES["823M"], 502, 2050).n_params * 82e9
    k = {t: best[t] / 100.0 / c_best ** g for t, g in exponents.items()}
    rng = np.random.default_rng(SEED)
    rows = []
    for scale in PAPER_SCALES.values():
        n = counts_for_scale(scale, 502, 2050).n_params
        for ratio in paper["data_budget_ratios_D_over_N"]:
            d = ratio * n
            loss = chinchilla_loss(n, d, *(law[c] for c in ("E", "A", "B", "alpha", "beta"))) * np.exp(
                0.01 * rng.standard_normal())
            c = 6.0 * n * d
            scores = {t: k[t] * c ** g + 0.005 * rng.standard_normal() for t, g in exponents.items()}
            rows.append([f"{scale.name}_r{ratio}", n, d, f"{loss:.4f}", "speech",
                         *(f"{scores[t]:.4f}" for t in ("sblimp", "ssc", "tsc"))])
    with OUT.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["run", "n_params", "tokens", "loss", "group", "sblimp", "ssc", "tsc"])
        w.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} made-up rows)")


if __name__ == "__main__":
    main()
