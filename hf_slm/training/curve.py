"""Test loss = mean token NLL over the held-out split, and the learning curve it traces.

Trainer's own eval_loss averages per-batch means; the per-sample sums here are gathered across
processes by Trainer's evaluation loop and divided once, so the number is the exact mean NLL per
predicted token whatever the batch size or number of processes.
"""

from __future__ import annotations

import numpy as np

METRIC = "token_nll"
EVAL_KEY = f"eval_{METRIC}"


def nll_sums(logits, labels):
    """Per-sample [sum of NLL, predicted tokens] (labels are shifted as in the model's loss)."""
    import torch
    import torch.nn.functional as F

    if isinstance(logits, tuple):
        logits = logits[0]
    logits = logits[:, :-1].float()
    target = labels[:, 1:]
    nll = F.cross_entropy(logits.transpose(1, 2), target.clamp(min=0), reduction="none")
    mask = target != -100
    return torch.stack([(nll * mask).sum(1).double(), mask.sum(1).double()], dim=1)


def token_nll_metric(eval_pred) -> dict:
    sums = np.asarray(eval_pred.predictions, dtype=np.float64).reshape(-1, 2).sum(0)
    return {METRIC: float(sums[0] / sums[1]) if sums[1] else float("nan")}


def curve_from_history(log_history: list[dict], tokens_per_update: int, flops_per_token: float) -> list[dict]:
    """{step, tokens, flops, test_loss} per evaluation in Trainer's log (one per step, the last kept).

    Trainer restores log_history from the checkpoint on resume, so a resumed run's curve holds
    exactly the evaluations of the steps it kept.
    """
    by_step = {}
    for entry in log_history:
        if EVAL_KEY in entry:
            step = int(entry["step"])
            tokens = step * tokens_per_update
            by_step[step] = {"step": step, "tokens": tokens, "flops": flops_per_token * tokens,
                             "test_loss": float(entry[EVAL_KEY])}
    return [by_step[s] for s in sorted(by_step)]
