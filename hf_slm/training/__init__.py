"""Training runs: arguments, budget, recipe, run records, the in-process entry and the sweep grid.

`run_training(argv=None, **values)` trains one run in process (the demo's tiny CPU runs);
`training/train.py` is the same call behind `accelerate launch` / torchrun / deepspeed.
"""

from hf_slm.training.budget import Budget, plan_budget, warmup_steps


def run_training(argv=None, callbacks=None, **values):
    """See hf_slm.training.run.run_training (imported lazily: it pulls in transformers)."""
    from hf_slm.training.run import run_training as _run

    return _run(argv, callbacks=callbacks, **values)


def main(argv=None) -> int:
    from hf_slm.training.entry import main as _main

    return _main(argv)


__all__ = ["Budget", "plan_budget", "warmup_steps", "run_training", "main"]
