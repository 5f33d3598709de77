"""How many processes train this run, made to agree between the launcher and transformers.

Gradient accumulation is global_batch / (per_device × processes), so the number of processes must
be the one transformers trains with. Launchers export WORLD_SIZE (torchrun, accelerate, deepspeed),
but on a machine without CUDA transformers would not join them: torchrun ranks without
`--use_cpu true` train as independent single-process runs, and DeepSpeed ranks report a world of
one to the batch-size check. `settle_launch` fills in what makes those launches one run; whatever
else still disagrees stops with ConfigError (exit 2) before anything is written.
"""

from __future__ import annotations

import os

from hf_slm.errors import ConfigError


def launched_world() -> int:
    """Processes of this launch as the launcher exported them (1 for a plain `python`)."""
    for key in ("WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE"):
        value = os.environ.get(key)
        if value:
            return int(value)
    return 1


def uses_deepspeed(train: dict) -> bool:
    """--deepspeed CONFIG, or `accelerate launch --use_deepspeed` (which passes it by environment)."""
    return bool(train.get("deepspeed")) or os.environ.get("ACCELERATE_USE_DEEPSPEED", "").lower() == "true"


def has_accelerator() -> bool:
    import torch

    return bool(torch.cuda.is_available() or (hasattr(torch, "xpu") and torch.xpu.is_available()))


def settle_launch(train: dict, world: int | None = None) -> dict:
    """TrainingArguments values with what a multi-process CPU launch needs to be one run."""
    world = launched_world() if world is None else world
    out = dict(train)
    if world > 1 and not has_accelerator():
        if uses_deepspeed(out):
            # DeepSpeed joins the ranks itself; accelerate counts them only when it knows the backend.
            out["ddp_backend"] = out.get("ddp_backend") or "gloo"
        else:
            out["use_cpu"] = True  # DDP over gloo instead of independent runs in one folder
    return out


def check_world(training_args, world: int, train: dict | None = None) -> None:
    """The processes transformers trains with must be the ones the batch split was sized for."""
    trained = int(training_args.world_size)
    if trained == world:
        return
    if uses_deepspeed(train or {}) and not has_accelerator():
        # transformers' --deepspeed path picks no backend without CUDA; accelerate's passes ours
        fix = "on a machine without CUDA launch DeepSpeed with `accelerate launch --use_deepspeed`"
    else:
        fix = "launch with torchrun/accelerate on matching devices, or as one plain process"
    raise ConfigError("launcher", f"{world} processes were launched but transformers trains with {trained}, so the "
                                  f"global batch would be wrong; {fix}")
