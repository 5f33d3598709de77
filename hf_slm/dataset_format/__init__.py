"""The folder layout every hf-slm dataset shares (units, unigram tokens, text tokens, audio, benchmarks).

A dataset folder DIR is the same locally and on the Hub:
- `data/{split}-{i:05d}-of-{n:05d}.parquet`: shards in the Hub's Parquet layout (written atomically,
  with `datasets`' own Parquet writer), so `datasets.load_dataset(DIR)` opens them;
- `README.md`: the dataset card (YAML `configs` lists the shards per split);
- `meta.json`: what made the folder. This module is its only writer (`make_meta`, `write_meta`).
  Every meta has `format` (which kind of folder: FORMATS), `schema_version` (of this common
  layout), `stats` (hours/seconds/rows/units/units_per_second/skipped/skip_reasons as they apply)
  and, for token datasets, `tokenization` ("units", "unigram" or "text");
- `tokenizer/`: the tokenizer of a token dataset (AutoTokenizer opens it), with the special tokens
  EOS/PAD/BOS that every hf-slm tokenizer names the same way.

Folders written before this module (schema version 1: no `schema_version`, and text datasets
without `format` or `stats`) still load: `read_meta` fills in what they lack, in memory only.
The benchmark schema (one task folder per spoken benchmark) is hf_slm.dataset_format.benchmark.
"""

from __future__ import annotations

import glob
import os
from collections import Counter
from pathlib import Path

from hf_slm.atomic import atomic_path, read_json, write_json, write_text
from hf_slm.errors import ConfigError

META_FILE = "meta.json"
TOKENIZER_DIR = "tokenizer"
CARD_FILE = "README.md"

# Special token names shared by the unit, unigram and text tokenizers (their ids depend on the kind).
EOS, PAD, BOS = "</s>", "<pad>", "<s>"

# Version of the common meta.json layout; a meta without the field is version 1 (before this module).
SCHEMA_VERSION = 2
FORMATS = {"units": "hf-slm-units/1", "audio": "hf-slm-audio/1", "benchmark": "hf-slm-benchmark/1",
           "text": "hf-slm-text/1"}
TOKENIZATIONS = {"units": ("units", "unigram"), "text": ("text",), "benchmark": ("units",)}
# Keys of `stats` and of the meta itself that each kind must have (checked before anything is written).
_STATS_KEYS = {
    "units": ("hours", "seconds", "rows", "units", "units_per_second", "skipped", "skip_reasons"),
    "audio": ("hours", "seconds", "rows", "skipped", "skip_reasons"),
    "benchmark": ("rows", "skipped", "skip_reasons"),
    "text": ("rows", "units"),
}
_META_KEYS = {
    "units": ("encoder", "codebook", "dedup", "counts", "tokenization"),
    "audio": ("counts",),
    "benchmark": ("task", "form", "rows", "groups"),
    "text": ("tokenizer", "counts", "tokenization"),
}


def token_features():
    """Columns of every token dataset (units, unigram pieces, text token ids in `units`).

    id, units (int16 token ids), durations (int16 frames per deduplicated unit; empty when not
    applicable), duration (seconds of audio), speaker, text, words (half-open token-index spans).
    """
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


# ---- shards ------------------------------------------------------------------------------------
def shard_name(split: str, index: int, num_shards: int) -> str:
    return f"{split}-{index:05d}-of-{num_shards:05d}.parquet"


def write_parquet(path: str | Path, rows: list[dict], features, before_replace=None) -> Path:
    """Write rows (following `features`) as one Parquet file, atomically.

    `before_replace(tmp)` runs on the finished temp file before it is renamed into place (a
    checksum sidecar, say), so a kill leaves either both or neither.
    """
    from datasets import Dataset
    from datasets.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

    ds = Dataset.from_list(rows, features=features) if rows else Dataset.from_dict(
        {k: [] for k in features}, features=features)
    path = Path(path)
    quiet = are_progress_bars_disabled()
    with atomic_path(path) as tmp:
        disable_progress_bars()  # one bar per shard would bury the caller's own bar
        try:
            ds.to_parquet(str(tmp))
        finally:
            if not quiet:
                enable_progress_bars()
        if before_replace is not None:
            before_replace(tmp)
    return path


def write_shard(folder: str | Path, split: str, index: int, num_shards: int, rows: list[dict],
                features, before_replace=None) -> Path:
    """Shard `index` of `num_shards` of `split` under DIR/data (atomic; see write_parquet)."""
    path = Path(folder) / "data" / shard_name(split, index, num_shards)
    return write_parquet(path, rows, features, before_replace)


def split_files(folder: str | Path) -> dict[str, list[str]]:
    """{split: sorted shard paths} found under DIR/data."""
    out: dict[str, list[str]] = {}
    for p in sorted(glob.glob(os.path.join(str(folder), "data", "*.parquet"))):
        split = Path(p).name.split("-", 1)[0]
        out.setdefault(split, []).append(p)
    return out


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


def _local_path(path: str) -> Path:
    try:
        return Path(path).expanduser()
    except RuntimeError:  # "~user/..." for a user this machine does not know
        return Path(path)


def is_hub_dataset_id(path_or_repo: str) -> bool:
    """True for `namespace/name` that huggingface_hub accepts as a repo id and that is no local path.

    `data/units` naming an existing folder is that folder; `./x/y`, `/abs/x`, `a/b/c`, `org/na me`
    or `org/x--y` are never Hub ids (huggingface_hub's validate_repo_id rejects them).
    """
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if _local_path(path_or_repo).exists() or path_or_repo.count("/") != 1:
        return False
    try:
        validate_repo_id(path_or_repo)
    except HFValidationError:
        return False
    return True


def resolve_dataset_folder(path_or_repo: str, field: str = "--dataset") -> Path:
    """A local folder as is; a Hub dataset id (is_hub_dataset_id) is downloaded (clear error when offline)."""
    p = _local_path(path_or_repo)
    if p.exists():
        return p
    if not is_hub_dataset_id(path_or_repo):
        raise ConfigError(field, f"{path_or_repo} is neither a local folder nor a Hub dataset id (org/name)")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id=path_or_repo, repo_type="dataset"))
    except Exception as e:  # offline, missing repo, no access: one line that says which
        raise ConfigError(field, f"{path_or_repo} is no local folder, and fetching it as a Hub dataset failed "
                                 f"({type(e).__name__}); pass an existing folder or go online") from None


# ---- meta.json ---------------------------------------------------------------------------------
def make_stats(*, rows: int, seconds: float | None = None, units: int | None = None, skips=None,
               **extra) -> dict:
    """The common `stats` block; `skips` is a list of skip entries ({"id", "reason", ...}).

    `extra` (e.g. frames) sits after `units`; units_per_second is units per second of audio.
    """
    out: dict = {}
    if seconds is not None:
        out["hours"], out["seconds"] = seconds / 3600, seconds
    out["rows"] = rows
    if units is not None:
        out["units"] = units
        out.update(extra)
        if seconds is not None:
            out["units_per_second"] = units / seconds if seconds else 0.0
    else:
        out.update(extra)
    if skips is not None:
        out["skipped"] = len(skips)
        out["skip_reasons"] = dict(Counter(s["reason"] for s in skips))
    return out


def kind_of(meta: dict) -> str:
    """The kind ("units", "audio", "benchmark", "text") a meta's `format` names."""
    for kind, fmt in FORMATS.items():
        if meta.get("format") == fmt:
            return kind
    raise ValueError(f"unknown dataset format {meta.get('format')!r} (known: {', '.join(FORMATS.values())})")


def check_meta(meta: dict) -> str:
    """Raise ValueError unless `meta` follows the schema of its kind; returns the kind."""
    kind = kind_of(meta)
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"meta.json schema_version {meta.get('schema_version')!r} != {SCHEMA_VERSION}")
    missing = [k for k in _META_KEYS[kind] if k not in meta]
    stats = meta.get("stats")
    if not isinstance(stats, dict):
        missing.append("stats")
    else:
        missing += [f"stats.{k}" for k in _STATS_KEYS[kind] if k not in stats]
    if missing:
        raise ValueError(f"{kind} meta.json lacks {', '.join(missing)}")
    allowed = TOKENIZATIONS.get(kind, ())
    if kind == "benchmark" and meta["form"] == "audio":
        allowed = ()
    if meta.get("tokenization") not in allowed and (allowed or "tokenization" in meta):
        raise ValueError(f"{kind} meta.json tokenization {meta.get('tokenization')!r} is not one of "
                         f"{', '.join(allowed) or '(none: audio has no tokens)'}")
    return kind


def make_meta(kind: str, fields: dict) -> dict:
    """The meta of a dataset of `kind`: format and schema version first, then `fields`; checked.

    Call it before writing anything else of the folder, so a writer that forgets a key fails
    before any output exists.
    """
    body = {k: v for k, v in fields.items() if k not in ("format", "schema_version")}
    out = {"format": FORMATS[kind], "schema_version": SCHEMA_VERSION, **body}
    check_meta(out)
    return out


def write_meta(folder: str | Path, meta: dict) -> dict:
    """Write DIR/meta.json (atomically) from a meta made by make_meta; returns it."""
    check_meta(meta)
    write_json(Path(folder) / META_FILE, meta)
    return meta


def upgrade_meta(meta: dict) -> dict:
    """A copy of a meta as the current schema names it (old folders: version 1, keys inferred)."""
    meta = dict(meta)
    if "format" not in meta:
        if "task" in meta and "form" in meta:
            meta["format"] = FORMATS["benchmark"]
        elif meta.get("mode") == "text":
            meta["format"] = FORMATS["text"]
        elif "codebook" in meta:
            meta["format"] = FORMATS["units"]
    meta.setdefault("schema_version", 1)
    if "tokenization" not in meta:
        fmt = meta.get("format")
        if fmt == FORMATS["units"]:
            meta["tokenization"] = "unigram" if "unigram" in meta else "units"
        elif fmt == FORMATS["text"]:
            meta["tokenization"] = "text"
        elif fmt == FORMATS["benchmark"] and meta.get("form") == "units":
            meta["tokenization"] = "units"
    return meta


def read_meta(folder: str | Path) -> dict:
    """DIR/meta.json, upgraded to the current key names (the file itself is left as it is)."""
    return upgrade_meta(read_json(Path(folder) / META_FILE))


# ---- the card ----------------------------------------------------------------------------------
def split_configs(splits) -> list[dict]:
    """The card's YAML `configs`: one default config whose data files are the shards of each split."""
    return [{"config_name": "default",
             "data_files": [{"split": s, "path": f"data/{s}-*.parquet"} for s in sorted(splits)]}]


def card_text(card_data, body: str) -> str:
    """README.md text: `card_data` (a huggingface_hub DatasetCardData) as YAML, then the body."""
    from huggingface_hub import DatasetCard

    return str(DatasetCard(f"---\n{card_data.to_yaml()}\n---\n{body}"))


def write_card(folder: str | Path, card_data, body: str) -> Path:
    """Write DIR/README.md atomically."""
    path = Path(folder) / CARD_FILE
    write_text(path, card_text(card_data, body))
    return path
