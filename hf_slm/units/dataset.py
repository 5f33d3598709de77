"""Unit datasets on disk and on the Hub: the same folder either way.

The folder follows hf_slm.dataset_format (Parquet shards `data/{split}-{i:05d}-of-{n:05d}.parquet`,
`README.md` card, `meta.json`, `tokenizer/`); this module adds the unit columns and the loader.
A unit meta.json (format "hf-slm-units/1") holds encoder {name, id, layer, sample_rate,
frame_rate}, codebook {k, sha256}, dedup, counts per split, stats, tokenization ("units", or
"unigram" for the unigram stage's output) and package versions; `tokenizer/` is the unit
tokenizer, so training takes its vocabulary from the data and never from a guess. Text token
datasets (hf_slm.textlm.dataset) use the same columns.

Columns (unit_features): id, units (int16 list), durations (int16 run lengths of the deduplicated
units; empty when dedup is off), duration (seconds of audio), speaker, text, words (word
alignments as half-open unit-index spans [start, end) over `units`; empty when none).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hf_slm.dataset_format import (  # noqa: F401  (the shared layout, re-exported for unit users)
    META_FILE, TOKENIZER_DIR, load_parquet_splits, read_meta, resolve_dataset_folder, shard_name,
    split_files, token_features)
from hf_slm.dataset_format import write_shard as _write_shard
from hf_slm.errors import ConfigError


def unit_features():
    """The token dataset columns (hf_slm.dataset_format.token_features)."""
    return token_features()


def write_shard(folder: str | Path, split: str, index: int, num_shards: int, rows: list[dict],
                features=None, before_replace=None) -> Path:
    """One Parquet shard of a token dataset (unit columns unless `features` say otherwise), atomically."""
    return _write_shard(folder, split, index, num_shards, rows, features or unit_features(), before_replace)


@dataclass
class UnitDataset:
    splits: "datasets.DatasetDict"  # noqa: F821
    meta: dict
    tokenizer: object
    path: Path

    @property
    def k(self) -> int:
        return int(self.meta["codebook"]["k"])

    @property
    def frame_rate(self) -> float:
        return float(self.meta["encoder"]["frame_rate"])


def load_unit_dataset(path_or_repo: str | Path, field: str = "--dataset") -> UnitDataset:
    """A token dataset folder (units, unigram or text tokens) or Hub id → splits, meta, tokenizer.

    `meta` is read through hf_slm.dataset_format.read_meta, so folders written before the schema
    version existed load with the current key names.
    """
    from hf_slm.dataset_format.tokenizer_files import load_tokenizer

    folder = resolve_dataset_folder(str(path_or_repo), field)
    if not (folder / META_FILE).exists():
        raise ConfigError(field, f"{folder} has no {META_FILE}: not a hf-slm unit dataset")
    files = split_files(folder)
    if not files:
        raise ConfigError(field, f"{folder} has no data/*.parquet shards")
    splits = load_parquet_splits(files, unit_features())
    tokenizer = load_tokenizer(folder / TOKENIZER_DIR, field)  # trust_remote_code=False; auto_map refused
    return UnitDataset(splits=splits, meta=read_meta(folder), tokenizer=tokenizer, path=folder)
