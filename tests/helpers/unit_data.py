"""A tiny synthetic unit dataset folder (the unit stage's layout) for training tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hf_slm.dataset_format import TOKENIZER_DIR, make_meta, make_stats, write_meta
from hf_slm.units.dataset import write_shard
from hf_slm.units.tokenizer import save_unit_tokenizer


def _rows(rng, n, k, prefix, min_len=20, max_len=80):
    rows = []
    for i in range(n):
        # A learnable pattern (a noisy walk over the units) so the loss can fall below log K.
        length = int(rng.integers(min_len, max_len))
        steps = rng.choice([1, 1, 1, 2, -1], size=length)
        units = (np.cumsum(steps) + int(rng.integers(k))) % k
        rows.append({"id": f"{prefix}{i}", "units": units.tolist(), "durations": [], "duration": length / 25,
                     "speaker": "s0", "text": "", "words": []})
    return rows


def finish_synthetic_units(folder: Path, k: int, counts: dict, seconds: float) -> None:
    """Tokenizer and meta.json of a synthetic unit dataset whose shards are written ({split: rows, tokens})."""
    save_unit_tokenizer(k, folder / TOKENIZER_DIR)
    write_meta(folder, make_meta("units", {
        "encoder": {"name": "synthetic", "frame_rate": 25.0, "sample_rate": 16000},
        "codebook": {"k": k, "sha256": ""}, "dedup": False, "tokenization": "units", "counts": counts,
        "stats": make_stats(rows=sum(c["rows"] for c in counts.values()), seconds=seconds,
                            units=sum(c["tokens"] for c in counts.values()), skips=[])}))


def make_unit_dataset(folder: str | Path, k: int = 20, n_train: int = 200, n_test: int = 20, seed: int = 0,
                      splits: tuple[str, ...] = ("train", "test")) -> Path:
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    counts, seconds = {}, 0.0
    for split, n in (("train", n_train), ("test", n_test)):
        if split not in splits:
            continue
        rows = _rows(rng, n, k, split)
        write_shard(folder, split, 0, 1, rows)
        counts[split] = {"rows": n, "tokens": sum(len(r["units"]) for r in rows)}
        seconds += sum(r["duration"] for r in rows)
    finish_synthetic_units(folder, k, counts, seconds)
    return folder
