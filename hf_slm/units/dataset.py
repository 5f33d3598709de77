"""Unit datasets on disk and on the Hub: the same folder either way.

Layout of a unit dataset folder DIR:
- `data/{split}-{i:05d}-of-{n:05d}.parquet`: shards in the Hub's Parquet layout, so
  `datasets.load_dataset(DIR)` opens them (the card's YAML `configs` lists them);
- `README.md`: the dataset card (YAML metadata: license, features, statistics, encoder, codebook);
- `meta.json`: encoder {name, id, layer, sample_rate, frame_rate}, codebook {k, sha256}, dedup,
  counts per split, package versions;
- `tokenizer/`: the unit tokenizer (AutoTokenizer opens it), so training takes its vocabulary from
  the data and never from a guess.

Columns (UNIT_FEATURES): id, units (int16 list), durations (int16 run lengths of the deduplicated
units; empty when dedup is off), duration (seconds of audio), speaker, text, words (word
alignments as half-open unit-index spans [start, end) over `units`; empty when none).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from hf_slm.atomic import atomic_path, read_json
from hf_slm.errors import ConfigError

META_FILE = "meta.json"
TOKENIZER_DIR = "tokenizer"


def unit_features():
    from datasets import Features, List, Value

    return Features({
        "id": Value("string"),
        "units": List(Value("int16")),
        "durations": List(Value("int16")),
        "duration": Value("float32"),
        "speaker": Value("string"),
        "text": Value("string"),
        "words": List({"word": Value("string"), "start": Value("int32"), "end": Value("int32")}),
    })


def shard_name(split: str, index: int, num_shards: int) -> str:
    return f"{split}-{index:05d}-of-{num_shards:05d}.parquet"


def write_shard(folder: str | Path, split: str, index: int, num_shards: int, rows: list[dict],
                features=None) -> Path:
    """Write one Parquet shard atomically (a killed job never leaves a half shard)."""
    from datasets import Dataset

    features = features or unit_features()
    ds = Dataset.from_list(rows, features=features) if rows else Dataset.from_dict(
        {k: [] for k in features}, features=features)
    path = Path(folder) / "data" / shard_name(split, index, num_shards)
    with atomic_path(path) as tmp:
        ds.to_parquet(str(tmp))
    return path


def split_files(folder: str | Path) -> dict[str, list[str]]:
    """{split: sorted shard paths} found under DIR/data."""
    out: dict[str, list[str]] = {}
    for p in sorted(glob.glob(os.path.join(str(folder), "data", "*.parquet"))):
        split = Path(p).name.split("-", 1)[0]
        out.setdefault(split, []).append(p)
    return out


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


def resolve_dataset_folder(path_or_repo: str, field: str = "--dataset") -> Path:
    """A local folder as is; a Hub dataset id is downloaded (clear error when offline)."""
    p = Path(path_or_repo)
    if p.exists():
        return p
    if p.is_absolute() or path_or_repo.startswith(".") or path_or_repo.count("/") != 1:
        raise ConfigError(field, f"{path_or_repo} is neither a local folder nor a Hub id (org/name)")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id=path_or_repo, repo_type="dataset"))
    except Exception as e:  # offline, missing repo, no access: one line that says which
        raise ConfigError(field, f"cannot fetch Hub dataset {path_or_repo!r} ({type(e).__name__}); "
                                 "pass a local folder or go online") from None


def load_parquet_splits(files: dict[str, list[str]], features):
    """A DatasetDict from {split: shard paths}; a split whose shards are all empty stays empty."""
    import pyarrow.parquet as pq
    from datasets import Dataset, DatasetDict, load_dataset

    out = {}
    for split, paths in files.items():
        nonempty = [p for p in paths if pq.ParquetFile(p).metadata.num_rows > 0]
        if nonempty:
            out[split] = load_dataset("parquet", data_files=nonempty, split="train", features=features)
        else:
            out[split] = Dataset.from_dict({k: [] for k in features}, features=features)
    return DatasetDict(out)


def load_unit_dataset(path_or_repo: str | Path, field: str = "--dataset") -> UnitDataset:
    from transformers import AutoTokenizer

    folder = resolve_dataset_folder(str(path_or_repo), field)
    if not (folder / META_FILE).exists():
        raise ConfigError(field, f"{folder} has no {META_FILE}: not a hf-slm unit dataset")
    files = split_files(folder)
    if not files:
        raise ConfigError(field, f"{folder} has no data/*.parquet shards")
    splits = load_parquet_splits(files, unit_features())
    tokenizer = AutoTokenizer.from_pretrained(str(folder / TOKENIZER_DIR))
    return UnitDataset(splits=splits, meta=read_json(folder / META_FILE), tokenizer=tokenizer,
                       path=folder)
