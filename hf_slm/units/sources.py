"""Inputs of `hf-slm units extract`: an audio folder, a JSONL manifest, or an audio dataset folder.

Every input becomes a sorted list of Items (id, split or None, where the audio is, segment, and
pass-through metadata). Problems with single entries (a torn manifest line, a duplicate id) are
returned as skips, never raised; a missing or unrecognisable input is a ConfigError.

- folder: every *.wav/*.flac/*.ogg/*.mp3 below it; id = relative path without the suffix;
- manifest (*.jsonl): {"id", "path" (relative to the manifest), optional "offset", "duration"
  (seconds), "speaker", "text", "words" or "word_times" ([{word, start, end}] in seconds), "split"};
- audio dataset folder (see hf_slm.audio.dataset): data/{split}-*.parquet with an `audio` column
  of encoded bytes (or a `datasets` Audio struct {bytes, path}) plus id/text/speaker/word_times;
  a `save_to_disk` folder is read with `datasets.load_from_disk`. Splits come from the dataset.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from hf_slm.errors import ConfigError

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


@dataclass
class Item:
    id: str
    ref: object  # a path, or (kind, where, row) for rows of a dataset
    split: str | None = None
    offset: float = 0.0
    duration: float | None = None
    speaker: str = ""
    text: str = ""
    word_times: list = field(default_factory=list)


class Source:
    """Lists Items and reads their audio (a path or encoded bytes for hf_slm.audio.read_audio)."""

    def __init__(self, path: str | Path, field_name: str = "--input"):
        self.path = Path(path)
        self.field = field_name
        self._table_cache: tuple | None = None
        if not self.path.exists():
            raise ConfigError(field_name, f"{self.path} does not exist")
        if self.path.is_file():
            if self.path.suffix != ".jsonl":
                raise ConfigError(field_name, f"{self.path} is a file but not a .jsonl manifest")
            self.kind = "manifest"
        elif (self.path / "dataset_dict.json").exists() or (self.path / "state.json").exists():
            self.kind = "disk"
        elif any((self.path / "data").glob("*.parquet")):
            self.kind = "parquet"
        else:
            self.kind = "folder"

    def fingerprint(self) -> dict:
        return {"input": str(self.path.resolve()), "kind": self.kind}

    def items(self) -> tuple[list[Item], list[dict]]:
        """(items sorted by id, listing skips [{id, reason, ...}])."""
        items, skips = getattr(self, f"_list_{self.kind}")()
        seen, unique = set(), []
        for it in items:
            if it.id in seen:
                skips.append({"id": it.id, "reason": "duplicate_id", "detail": "id already listed"})
                continue
            seen.add(it.id)
            unique.append(it)
        if not unique and not skips:
            raise ConfigError(self.field, f"{self.path} holds no audio ({self.kind} input)")
        return sorted(unique, key=lambda i: i.id), skips

    # -- listing ---------------------------------------------------------------------------------
    def _list_folder(self):
        files = sorted(p for p in self.path.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
        return [Item(id=p.relative_to(self.path).with_suffix("").as_posix(), ref=str(p)) for p in files], []

    def _list_manifest(self):
        items, skips = [], []
        base = self.path.parent
        for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                path = Path(row["path"])
                items.append(Item(
                    id=str(row.get("id") or path.with_suffix("").as_posix()),
                    ref=str(path if path.is_absolute() else base / path), split=row.get("split"),
                    offset=float(row.get("offset") or 0.0),
                    duration=None if row.get("duration") is None else float(row["duration"]),
                    speaker=str(row.get("speaker") or ""), text=str(row.get("text") or ""),
                    word_times=list(row.get("words") or row.get("word_times") or [])))
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                skips.append({"id": f"{self.path.name}:{n}", "reason": "bad_manifest_line",
                              "detail": f"{type(e).__name__}: {e}"})
        return items, skips

    def _rows_to_items(self, rows, ref_of, split):
        return [Item(id=str(r.get("id") if r.get("id") is not None else f"{split}-{i}"), ref=ref_of(i),
                     split=split, speaker=str(r.get("speaker") or ""), text=str(r.get("text") or ""),
                     word_times=list(r.get("word_times") or r.get("words") or []))
                for i, r in enumerate(rows)]

    def _list_parquet(self):
        import pyarrow.parquet as pq

        from hf_slm.units.dataset import split_files

        items = []
        for split, files in split_files(self.path).items():
            for f in files:
                names = pq.read_schema(f).names
                if "audio" not in names:
                    raise ConfigError(self.field, f"{f} has no `audio` column (columns: {', '.join(names)})")
                rows = pq.read_table(f, columns=[c for c in names if c != "audio"]).to_pylist()
                items += self._rows_to_items(rows, lambda i, f=f: ("parquet", f, i), split)
        return items, []

    def _list_disk(self):
        from datasets import Dataset, load_from_disk

        ds = load_from_disk(str(self.path))
        splits = {"train": ds} if isinstance(ds, Dataset) else dict(ds)
        self._disk = splits
        items = []
        for split, d in splits.items():
            if "audio" not in d.column_names:
                raise ConfigError(self.field, f"{self.path} split {split} has no `audio` column")
            rows = d.data.drop(["audio"]).to_pylist()
            items += self._rows_to_items(rows, lambda i, s=split: ("disk", s, i), split)
        return items, []

    # -- reading ---------------------------------------------------------------------------------
    def audio(self, item: Item):
        """A path or encoded bytes for item (raises AudioError for a row without audio)."""
        from hf_slm.audio.validate import AudioError

        if isinstance(item.ref, str):
            return item.ref
        kind, where, row = item.ref
        if kind == "parquet":
            value = self._parquet_audio(where, row)
        else:
            if not hasattr(self, "_disk"):
                self._list_disk()
            value = self._disk[where].data.column("audio")[row].as_py()
        if isinstance(value, dict):  # a datasets Audio struct {bytes, path}
            value = value.get("bytes") or value.get("path")
        if not value:
            raise AudioError("empty", "row has no audio")
        return value

    def _parquet_audio(self, path: str, row: int):
        """The audio cell of `row`, reading (and keeping) only its row group, not the whole column."""
        import bisect

        import pyarrow.parquet as pq

        cache = self._table_cache
        if cache is None or cache[0] != path or not cache[1] <= row < cache[1] + len(cache[2]):
            starts = _row_group_starts(path)
            group = bisect.bisect_right(starts, row) - 1
            column = pq.ParquetFile(path).read_row_group(group, columns=["audio"]).column("audio")
            self._table_cache = cache = (path, starts[group], column)
        return cache[2][row - cache[1]].as_py()


def _row_group_starts(path: str) -> list[int]:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    starts, n = [], 0
    for g in range(meta.num_row_groups):
        starts.append(n)
        n += meta.row_group(g).num_rows
    return starts


def assign_splits(items: list[Item], test_fraction: float) -> None:
    """Give items without a split a deterministic one: "test" when hash(id) < test_fraction.

    At least one item goes to test when test_fraction > 0 and there are two or more items.
    """
    todo = [it for it in items if not it.split]
    if not todo:
        return
    scores = {it.id: int.from_bytes(hashlib.sha256(it.id.encode()).digest()[:8], "big") / 2 ** 64
              for it in todo}
    for it in todo:
        it.split = "test" if scores[it.id] < test_fraction else "train"
    if test_fraction > 0 and len(todo) >= 2 and not any(it.split == "test" for it in todo):
        min(todo, key=lambda it: scores[it.id]).split = "test"
