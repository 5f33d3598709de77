"""Which checkpoint a rerun resumes from: the newest *complete* one.

Trainer writes a checkpoint as weights, then optimizer/scheduler/RNG state, then
`trainer_state.json` last; a kill or a full disk in between leaves a `checkpoint-N` that
Trainer refuses to resume ("Can't find a valid checkpoint"), and it would refuse on every rerun.
A checkpoint is complete when its trainer state parses and its weights and optimizer state are
there (or a DeepSpeed engine checkpoint, which holds both); incomplete ones are moved aside (never deleted: a person may want to look) with a warning.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

logger = logging.getLogger(__name__)

CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
TRAINER_STATE = "trainer_state.json"
WEIGHTS = ("model.safetensors", "model.safetensors.index.json")
ASIDE_PREFIX = "incomplete-"  # not matched by Trainer's checkpoint-* rotation nor by the resume


def checkpoints(out_dir: Path) -> list[tuple[int, Path]]:
    """(step, folder) of every checkpoint-N folder, oldest first."""
    if not out_dir.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in out_dir.iterdir() if p.is_dir() and (m := CHECKPOINT.match(p.name))]
    return sorted(found)


def is_complete(folder: Path, save_only_model: bool = False) -> bool:
    """Trainer state that parses, the weights, and (unless save_only_model) the optimizer state."""
    try:
        state = json.loads((folder / TRAINER_STATE).read_text(encoding="utf-8"))
        int(state["global_step"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if (folder / "latest").is_file() and any(p.is_dir() for p in folder.glob("global_step*")):
        return True  # a DeepSpeed engine's checkpoint: weights and optimizer partitions (ZeRO-3: no safetensors)
    if not any((folder / w).is_file() for w in WEIGHTS):
        return False
    return save_only_model or (folder / "optimizer.pt").is_file()


def newest_complete(out_dir: Path, save_only_model: bool = False, move_aside: bool = True) -> Path | None:
    """The newest complete checkpoint; newer incomplete ones are moved aside (by the main process only)."""
    for step, folder in reversed(checkpoints(out_dir)):
        if is_complete(folder, save_only_model):
            return folder
        if move_aside:
            target = _aside_name(folder)
            folder.rename(target)
            logger.warning("%s is incomplete (interrupted save?): moved aside to %s; resuming from an older one",
                           folder, target.name)
    return None


def _aside_name(folder: Path) -> Path:
    target = folder.with_name(ASIDE_PREFIX + folder.name)
    i = 1
    while target.exists():
        i += 1
        target = folder.with_name(f"{ASIDE_PREFIX}{folder.name}.{i}")
    return target
