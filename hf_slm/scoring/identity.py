"""What a score depends on besides the model: the benchmark's content, its split and its codebook.

Units mean something only under the codebook that made them: a model trained on K=100 units
scored on benchmarks encoded with a K=50 codebook reads noise (and used to get 0.500, exit 0).
So before scoring, the benchmark's codebook (its meta.json `codebook`: {k, sha256} as the unit
stage records it; a codebook path recorded by older folders is opened to compute the checksum) is
compared with the model's: its tokenizer's number of units and, when the run's dataset is known,
the dataset's codebook checksum. A mismatch stops with one line (exit 2) before anything is written.

The benchmark checksum (sha256 over the task folder's shards, names and bytes) is kept with each
score, so the eval resume re-scores a run when the benchmark folder changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from hf_slm.dataset_format import META_FILE, read_meta, split_files
from hf_slm.errors import ConfigError

FIELD = "--benchmarks"


def shards_sha256(task_dir: str | Path) -> str:
    """sha256 over every shard of a task folder (relative name, then bytes), in name order."""
    h = hashlib.sha256()
    for split, paths in sorted(split_files(task_dir).items()):
        for p in sorted(paths):
            h.update(f"{Path(p).name}\n".encode())
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()


def pick_split(task_dir: str | Path, split: str) -> str:
    """The split a protocol scores: `split` when the folder holds it, else the folder's only one."""
    splits = sorted(split_files(task_dir))
    if split in splits:
        return split
    if len(splits) == 1:
        return splits[0]
    raise ConfigError("--protocol", f"{task_dir} holds splits {splits} and the protocol scores "
                                    f"{split!r}: choose a protocol or a folder with one split")


def benchmark_codebook(task_dir: str | Path) -> dict | None:
    """{"k", "sha256"} of the codebook a unit task folder was encoded with (None: not recorded)."""
    task_dir = Path(task_dir)
    if not (task_dir / META_FILE).exists():
        return None
    cb = read_meta(task_dir).get("codebook")
    if isinstance(cb, dict):
        return {"k": cb.get("k"), "sha256": cb.get("sha256")} if (cb.get("k") or cb.get("sha256")) else None
    if isinstance(cb, str) and Path(cb).is_file():  # older folders recorded the codebook's path
        from hf_slm.units.quantizer import Codebook

        book = Codebook.load(cb, field_name=FIELD)
        return {"k": book.k, "sha256": book.content_sha256()}
    return None


def dataset_codebook(meta: dict | None) -> dict | None:
    """{"k", "sha256"} of the unit codebook under a token dataset's meta (unigram: its units')."""
    cb = (meta or {}).get("codebook")
    if not isinstance(cb, dict):
        return None
    if meta.get("tokenization") == "unigram":
        return {"k": cb.get("units_k"), "sha256": cb.get("units_sha256")}
    return {"k": cb.get("k"), "sha256": cb.get("sha256")}


def model_units(tokenizer) -> int | None:
    """How many `<unit_k>` tokens the model's tokenizer has (None: not a unit model)."""
    from hf_slm.scoring.encode import has_units, unit_id_table

    return len(unit_id_table(tokenizer)) if has_units(tokenizer) else None


def check_codebook(task: str, bench: dict | None, k_model: int | None, model_cb: dict | None) -> None:
    """Raise ConfigError when the benchmark's codebook is not the model's (by K, then checksum)."""
    if bench is None:
        return
    if bench.get("k") is not None and k_model is not None and int(bench["k"]) != k_model:
        raise ConfigError(FIELD, f"{task} was encoded with a K={bench['k']} codebook but the model has "
                                 f"{k_model} units: encode the benchmarks with the model's codebook")
    mine, theirs = (model_cb or {}).get("sha256"), bench.get("sha256")
    if mine and theirs and mine != theirs:
        raise ConfigError(FIELD, f"{task} was encoded with codebook {theirs[:12]}… but the model's dataset "
                                 f"used {mine[:12]}…: encode the benchmarks with the model's codebook")


def check_benchmarks(folders: dict[str, Path], tokenizer, model_cb: dict | None = None) -> dict[str, dict]:
    """Check every task folder against the model; returns {task: its codebook or None}."""
    k_model = model_units(tokenizer)
    out = {}
    for task, folder in folders.items():
        out[task] = benchmark_codebook(folder)
        check_codebook(task, out[task], k_model, model_cb)
    return out
