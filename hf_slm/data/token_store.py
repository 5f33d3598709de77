"""A split's token sequences as one flat file on disk, memory-mapped: the token store.

A store is a folder of three files:
- `tokens.bin`: every document's tokens back to back, no separators (uint16 while the vocabulary
  fits, see hf_slm.data.pack.stream_dtype);
- `offsets.bin`: int64, one more than the documents; document i is tokens[offsets[i]:offsets[i+1]];
- `store.json`: the manifest (written last): dtype, counts, the smallest and largest id, the
  sha256 of both files and the key of the source it was built from (hf_slm.data.store_cache).

Building streams the split's Arrow column batch by batch (no Python list of tokens); opening maps
the files and checks their sizes and checksums, so a truncated or altered store is never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = "hf-slm-token-store/1"
TOKENS_FILE, OFFSETS_FILE, MANIFEST_FILE = "tokens.bin", "offsets.bin", "store.json"
OFFSET_DTYPE = np.dtype(np.int64)
BATCH_ROWS = 4096  # rows read from Arrow at a time while building
HASH_BLOCK = 1 << 24  # bytes read at a time while verifying (plain reads: no mapped pages stay resident)


class CorruptStore(ValueError):
    """A store folder whose files do not match its manifest (or that has none)."""


@dataclass
class TokenStore:
    folder: Path
    tokens: np.ndarray  # 1-D, memory-mapped
    offsets: np.ndarray  # int64, len(self) + 1, memory-mapped
    manifest: dict

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_tokens(self) -> int:
        return int(self.manifest["n_tokens"])

    def lengths(self, ids: np.ndarray) -> np.ndarray:
        """Token counts of documents `ids` (int64)."""
        ids = np.asarray(ids, dtype=np.int64)
        return self.offsets[ids + 1] - self.offsets[ids]

    def doc(self, i: int) -> np.ndarray:
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]

    # Pickled by folder (DataLoader workers under spawn): the maps are reopened, not copied.
    def __getstate__(self) -> dict:
        return {"folder": str(self.folder)}

    def __setstate__(self, state: dict) -> None:
        other = open_store(state["folder"], verify=False)
        self.__dict__.update(other.__dict__)


def write_store(split, folder: str | Path, dtype, column: str, source: dict) -> dict:
    """Write `split[column]` (a list column) as a store into the empty folder `folder`; returns the manifest.

    `source` (the key material of hf_slm.data.store_cache) goes into the manifest as it is.
    """
    import pyarrow.compute as pc

    folder, dtype = Path(folder), np.dtype(dtype)
    hashes = {TOKENS_FILE: hashlib.sha256(), OFFSETS_FILE: hashlib.sha256()}
    n_tokens, n_docs, lo, hi = 0, 0, None, None
    with open(folder / TOKENS_FILE, "wb") as tok_f, open(folder / OFFSETS_FILE, "wb") as off_f:
        _write(off_f, hashes[OFFSETS_FILE], np.zeros(1, OFFSET_DTYPE))
        batches = split.select_columns([column]).with_format("arrow").iter(batch_size=BATCH_ROWS)
        for table in batches:
            for chunk in table.column(column).chunks:
                lengths = pc.list_value_length(chunk).fill_null(0).to_numpy().astype(OFFSET_DTYPE)
                values = pc.list_flatten(chunk).to_numpy(zero_copy_only=False)
                if values.size:  # the range is checked before the cast, which would wrap a negative id
                    lo = min(int(values.min()), lo) if lo is not None else int(values.min())
                    hi = max(int(values.max()), hi) if hi is not None else int(values.max())
                _write(tok_f, hashes[TOKENS_FILE], values.astype(dtype, copy=False))
                _write(off_f, hashes[OFFSETS_FILE], n_tokens + np.cumsum(lengths))
                n_tokens += int(lengths.sum())
                n_docs += len(lengths)
        for f in (tok_f, off_f):
            f.flush()
            os.fsync(f.fileno())
    manifest = {"format": FORMAT, "dtype": dtype.name, "n_tokens": n_tokens, "n_docs": n_docs,
                "min_id": lo, "max_id": hi, "column": column,
                "sha256": {name: h.hexdigest() for name, h in hashes.items()}, "source": source}
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _write(f, hasher, arr: np.ndarray) -> None:
    data = np.ascontiguousarray(arr).tobytes()
    hasher.update(data)
    f.write(data)


def open_store(folder: str | Path, verify: bool = True) -> TokenStore:
    """Map a store; CorruptStore when its manifest is missing or its files do not match it.

    `verify` rehashes both files (about 1 s per 700 MB here); without it only the sizes are checked.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        dtype, n_tokens, n_docs = np.dtype(manifest["dtype"]), int(manifest["n_tokens"]), int(manifest["n_docs"])
        expected = {TOKENS_FILE: n_tokens * dtype.itemsize, OFFSETS_FILE: (n_docs + 1) * OFFSET_DTYPE.itemsize}
        sums = manifest["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise CorruptStore(f"{folder}: unreadable manifest ({type(e).__name__}: {e})") from None
    if manifest.get("format") != FORMAT:
        raise CorruptStore(f"{folder}: format {manifest.get('format')!r} is not {FORMAT}")
    for name, size in expected.items():
        path = folder / name
        actual = path.stat().st_size if path.exists() else None
        if actual != size:
            raise CorruptStore(f"{folder}: {name} has {actual} bytes, the manifest says {size}")
        if verify and file_sha256(path) != sums.get(name):
            raise CorruptStore(f"{folder}: {name} does not match its sha256 in the manifest")
    offsets = np.memmap(folder / OFFSETS_FILE, dtype=OFFSET_DTYPE, mode="r")
    if int(offsets[0]) != 0 or int(offsets[-1]) != n_tokens:
        raise CorruptStore(f"{folder}: offsets do not span the {n_tokens} tokens")
    tokens = (np.memmap(folder / TOKENS_FILE, dtype=dtype, mode="r") if n_tokens
              else np.zeros(0, dtype))  # an empty file cannot be mapped
    return TokenStore(folder=folder, tokens=tokens, offsets=offsets, manifest=manifest)


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    buf = bytearray(HASH_BLOCK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()
