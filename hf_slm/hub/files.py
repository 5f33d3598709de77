"""Which files of an artifact go to the Hub: safetensors yes, pickles never."""

from __future__ import annotations

import shutil
from pathlib import Path

from hf_slm.errors import ConfigError

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib")
# A checkpoint folder's files worth publishing (top level only: Trainer's checkpoint-*/ and
# optimizer states stay home).
CHECKPOINT_SUFFIXES = (".safetensors", ".json", ".txt", ".model", ".jinja", ".md")
SKIP_NAMES = {"README.md", "training_args.bin", "trainer_state.json"}


def pickles_in(folder: Path, recursive: bool = True) -> list[Path]:
    it = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in it if p.is_file() and p.suffix.lower() in PICKLE_SUFFIXES)


def checkpoint_files(folder: Path, field: str = "--runs") -> list[Path]:
    """The top-level files of a checkpoint to publish; ConfigError when its weights are pickles."""
    top = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    weights = [p for p in top if p.suffix == ".safetensors"]
    pickled = [p.name for p in top if p.suffix.lower() in PICKLE_SUFFIXES and p.name not in SKIP_NAMES]
    if pickled and not weights:
        raise ConfigError(field, f"{folder} has pickled weights ({', '.join(pickled)}) and no safetensors; "
                                 "re-save with model.save_pretrained(dir, safe_serialization=True)")
    if not weights:
        raise ConfigError(field, f"{folder} has no *.safetensors weights")
    return [p for p in top if p.suffix in CHECKPOINT_SUFFIXES and p.name not in SKIP_NAMES]


def copy_tree(src: Path, dest: Path, skip=("README.md",), field: str = "--datasets") -> list[Path]:
    """Copy a folder (hidden and temp files left out); refuses one that holds a pickle."""
    bad = pickles_in(src)
    if bad:
        raise ConfigError(field, f"{src} holds pickle files ({bad[0].name}); publish safetensors only")
    out = []
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts) or str(rel) in skip:
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, dest / rel)
        out.append(dest / rel)
    return out
