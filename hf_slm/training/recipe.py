"""From parsed arguments to the final TrainingArguments: the values the budget decides.

max_steps spans exactly the budget (so the cosine reaches min_lr at the last step), warmup is
the paper's max(100, 1%), gradient accumulation turns the per-device batch into the scale's
global batch, and eval/save steps spread `curve_points`/`checkpoints` along the run. A value the
user set explicitly wins, except where it would contradict the budget (then ConfigError).
"""

from __future__ import annotations

import math

from hf_slm.errors import ConfigError
from hf_slm.training.budget import Budget, warmup_steps
from hf_slm.training.launch import launched_world as world_size  # noqa: F401  (the older name)


def derive_training_values(train: dict, recipe, budget: Budget, world: int | None = None) -> dict:
    """The TrainingArguments dict with budget-derived fields filled in."""
    out = dict(train)
    world = world or world_size()
    per_device = int(out.get("per_device_train_batch_size") or 8)
    per_device = min(per_device, max(1, budget.batch_sequences // world))  # tiny batches: fewer per device
    if budget.batch_sequences % (per_device * world):
        raise ConfigError("--per_device_train_batch_size",
                          f"{per_device} × {world} processes does not divide the global batch of "
                          f"{budget.batch_sequences} sequences; pick a divisor")
    accum = budget.batch_sequences // (per_device * world)
    given_accum = int(out.get("gradient_accumulation_steps") or 1)
    if given_accum not in (1, accum):
        raise ConfigError("--gradient_accumulation_steps", f"{given_accum} contradicts the global batch: "
                          f"{budget.batch_sequences} / ({per_device} × {world}) = {accum}; leave it unset")
    out.update(per_device_train_batch_size=per_device, gradient_accumulation_steps=accum,
               max_steps=budget.max_steps)
    if not out.get("warmup_steps"):
        out["warmup_steps"] = warmup_steps(budget.max_steps, recipe.min_warmup_steps, recipe.warmup_fraction)
    if not out.get("lr_scheduler_kwargs") and out.get("lr_scheduler_type") == "cosine_with_min_lr":
        # As a rate: DeepSpeed's ZeRO optimizer has no `.defaults` to read the peak lr from.
        out["lr_scheduler_kwargs"] = {"min_lr_rate": recipe.min_lr / float(out.get("learning_rate") or 5e-4)}
    if not out.get("eval_steps"):
        out["eval_steps"] = max(1, math.ceil(budget.max_steps / max(1, recipe.curve_points)))
    if not out.get("save_steps"):
        out["save_steps"] = max(1, math.ceil(budget.max_steps / max(1, recipe.checkpoints)))
    return out


def build_training_arguments(values: dict):
    from transformers import TrainingArguments

    if not values.get("output_dir"):
        raise ConfigError("--output_dir", "is required: the checkpoint folder of this run")
    return TrainingArguments(**values)
