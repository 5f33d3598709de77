"""`hf-slm units extract`: audio → a unit dataset folder, sharded, resumable, atomic.

The work is a fixed list of Parquet shards (per split, `shard_size` inputs each, in id order).
A process takes shards j with j % num_shards == shard_index (`--num-shards/--shard-index` for a
Slurm array; under `accelerate launch`/torchrun WORLD_SIZE and RANK). A shard is done when its
Parquet file exists: it is renamed into place only after its sidecar `.extract/<shard>.json`
(rows, checksum, skips, statistics) is written, so a killed job leaves whole shards or none and a
rerun of the same command redoes only the missing ones. When every shard is done, `merge` checks
counts, ids and checksums and writes skips.jsonl, meta.json, tokenizer/ and the card README.md.

Inputs longer than `max_segment_seconds` are streamed and cut at quiet points into rows with ids
`ID@START-END` (hf_slm.units.reader), so memory does not grow with a file's length; shorter
inputs give one row with their own id, exactly as before. Decoding can run in `num_workers`
DataLoader workers beside the encoder; encoder batches hold at most `batch_size * 4` waveforms or
`batch_seconds` of audio. Neither changes the artifact.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hf_slm.atomic import read_json, write_json
from hf_slm.dataset_format import shard_name, write_parquet
from hf_slm.errors import ConfigError
from hf_slm.units.dataset import unit_features
from hf_slm.units.shard_plan import PLAN, WORK_DIR, ids_digest


@dataclass
class ExtractConfig:
    input: str
    out: str
    codebook: str
    model: str | None = None  # where HuBERT weights come from, if not the codebook's own id
    dedup: bool = True
    shard_size: int = 1000
    test_fraction: float = 0.01
    min_seconds: float = 0.1
    num_shards: int | None = None
    shard_index: int | None = None
    batch_size: int = 16
    batch_seconds: float = 320.0  # audio per encoder call and HuBERT forward pass (memory)
    max_segment_seconds: float | None = 120.0  # longer inputs are cut at quiet points (None: never)
    num_workers: int = 0  # DataLoader decoding workers (0: decode in this process)
    device: str | None = None
    dtype: str | None = None
    license: str = "unknown"
    push_to_hub: str | None = None
    progress: bool = True
    merge: bool = True  # merge when every shard is done (off for Slurm tasks: a merge job follows)


def worker_slot(cfg: ExtractConfig) -> tuple[int, int]:
    """(num_shards, shard_index) from the flags, else from accelerate/torchrun's WORLD_SIZE/RANK."""
    if cfg.num_shards is None and cfg.shard_index is None:
        return int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("RANK", 0))
    if cfg.num_shards is None or cfg.shard_index is None:
        raise ConfigError("--shard-index", "give --num-shards and --shard-index together")
    if not 0 <= cfg.shard_index < cfg.num_shards:
        raise ConfigError("--shard-index", f"{cfg.shard_index} is not in 0..{cfg.num_shards - 1}")
    return cfg.num_shards, cfg.shard_index


def check_settings(cfg: ExtractConfig) -> None:
    """The checks on `cfg`'s values alone (no files read): ConfigError naming the flag."""
    if cfg.shard_size <= 0:
        raise ConfigError("--shard-size", f"{cfg.shard_size} must be > 0")
    if not 0.0 <= cfg.test_fraction < 1.0:
        raise ConfigError("--test-fraction", f"{cfg.test_fraction} must be in [0, 1)")
    if cfg.max_segment_seconds is not None and not cfg.max_segment_seconds > 2 * cfg.min_seconds:
        # segments are at least half the maximum long: they must not be too short to keep
        raise ConfigError("--max-segment-seconds", f"{cfg.max_segment_seconds} must be > 2 × --min-seconds "
                                                   f"({cfg.min_seconds}), or 0 to never cut")
    if not cfg.batch_seconds > 0:
        raise ConfigError("--batch-seconds", f"{cfg.batch_seconds} must be > 0")
    if cfg.num_workers < 0:
        raise ConfigError("--num-workers", f"{cfg.num_workers} must be >= 0")


def _default_device(device):
    if device is not None:
        return device
    import torch

    if torch.cuda.is_available():
        return f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
    return "cpu"


class Extraction:
    """One extraction run; construct (validates everything, writes nothing) then `run()`."""

    def __init__(self, cfg: ExtractConfig):
        from hf_slm.units.pipeline import UnitPipeline
        from hf_slm.units.sources import Source, assign_splits

        self.cfg = cfg
        self.out = Path(cfg.out)
        check_settings(cfg)
        self.workers, self.rank = worker_slot(cfg)
        if cfg.push_to_hub:
            from hf_slm.units.publish import check_push

            check_push(cfg.push_to_hub)
        self.source = Source(cfg.input)
        self.pipeline = UnitPipeline.from_codebook(cfg.codebook, dedup=cfg.dedup, model=cfg.model,
                                                   device=_default_device(cfg.device), dtype=cfg.dtype,
                                                   batch_size=cfg.batch_size, batch_seconds=cfg.batch_seconds)
        self.min_samples = max(self.pipeline.encoder.min_samples,
                               int(np.ceil(cfg.min_seconds * self.pipeline.sample_rate)))
        items, self.listing_skips = self.source.items()
        assign_splits(items, cfg.test_fraction)
        self.items = items
        self.shards = self._plan_shards(items)
        self.plan = {
            "config": {**self.source.fingerprint(), "codebook_sha256": self.pipeline.codebook_sha256,
                       "encoder": self.pipeline.encoder.info(), "dedup": cfg.dedup,
                       "shard_size": cfg.shard_size, "test_fraction": cfg.test_fraction,
                       "min_seconds": cfg.min_seconds, "max_segment_seconds": cfg.max_segment_seconds},
            "items": len(items), "ids_sha256": ids_digest(i.id for i in items),
            "shards": [s["name"] for s in self.shards], "listing_skips": self.listing_skips,
            "codebook": {"path": str(Path(cfg.codebook).resolve()), "k": self.pipeline.k,
                         "sha256": self.pipeline.codebook_sha256, "extra": self.pipeline.codebook.extra},
            "license": cfg.license,
        }
        self._check_out_dir()

    def _plan_shards(self, items):
        by_split: dict[str, list] = {}
        for it in items:
            by_split.setdefault(it.split, []).append(it)
        shards = []
        for split in sorted(by_split):
            group = by_split[split]
            n = -(-len(group) // self.cfg.shard_size)
            for i in range(n):
                chunk = group[i * self.cfg.shard_size:(i + 1) * self.cfg.shard_size]
                shards.append({"name": shard_name(split, i, n), "split": split, "items": chunk})
        return shards

    def _check_out_dir(self):
        plan_path = self.out / WORK_DIR / PLAN
        if plan_path.exists():
            old = read_json(plan_path)
            for key in ("config", "ids_sha256"):
                if old.get(key) != self.plan[key]:
                    what = "the input changed" if key == "ids_sha256" else "the settings differ"
                    raise ConfigError("--out", f"{self.out} holds an extraction where {what}; rerun with "
                                               "the same command to resume, or pick a new folder")
        elif self.out.exists() and any(self.out.iterdir()):
            raise ConfigError("--out", f"{self.out} exists and is not an extraction folder; pick a new folder")

    # -- running ---------------------------------------------------------------------------------
    def _done(self, name: str) -> bool:
        return (self.out / "data" / name).exists() and (self.out / WORK_DIR / f"{name}.json").exists()

    def run(self) -> dict | None:
        """Process this worker's missing shards; merge when all shards exist. Returns the summary."""
        write_json(self.out / WORK_DIR / PLAN, self.plan)
        mine = [s for j, s in enumerate(self.shards) if j % self.workers == self.rank and not self._done(s["name"])]
        todo = sum(len(s["items"]) for s in mine)
        from tqdm.auto import tqdm

        bar = tqdm(total=todo, unit="file", desc=f"units [{self.rank}/{self.workers}]",
                   disable=not self.cfg.progress, file=sys.stderr)
        self._seconds, self._t0 = 0.0, time.perf_counter()
        for shard in mine:
            self._process(shard, bar)
        bar.close()
        if self.cfg.merge and all(self._done(s["name"]) for s in self.shards):
            summary = self._merge()
            if self.cfg.push_to_hub:
                from hf_slm.units.publish import push_folder

                push_folder(self.out, self.cfg.push_to_hub)
            return summary
        print(f"shards done by this process; run `hf-slm units merge {self.out}` once all "
              f"{self.workers} processes finish", file=sys.stderr)
        return None

    def _merge(self):
        """Merge; ranks that finish together (torchrun, accelerate) merge one after the other."""
        from hf_slm.units.merge import merge

        try:
            import fcntl
        except ImportError:  # no advisory locks (Windows): a single process is the common case there
            return merge(self.out)
        with open(self.out / WORK_DIR / "merge.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when this process ends, even killed
            return merge(self.out)

    def _encode(self, waves):
        """Units per waveform; a batch that fails is retried one by one so one file cannot stop the job."""
        try:
            return self.pipeline.batch_units_prepared(waves), [None] * len(waves)
        except Exception as e:  # noqa: BLE001 - isolate the failing file below
            if len(waves) == 1:
                return [None], [f"{type(e).__name__}: {e}"]
            results, errors = [], []
            for w in waves:
                r, err = self._encode([w])
                results += r
                errors += err
            return results, errors

    def _process(self, shard, bar):
        from hf_slm.units.dedup import word_spans
        from hf_slm.units.reader import duration_batches, read_pieces

        done = []  # (order, row or None, skip or None): put back in input order at the end
        segments = {}  # segment id -> input id, for the inputs that were cut (merge checks coverage)
        fr, rate = self.pipeline.frame_rate, self.pipeline.sample_rate
        pieces = read_pieces(self.source, shard["items"], rate, self.min_samples, self.cfg.min_seconds,
                             self.cfg.max_segment_seconds, self.cfg.num_workers)
        for batch in duration_batches(pieces, rate, max(1, self.cfg.batch_size * 4), self.cfg.batch_seconds):
            usable = [p for p in batch if p.wave is not None]
            results, errors = self._encode([p.wave for p in usable])
            encoded = {id(p): (res, err) for p, res, err in zip(usable, results, errors)}
            for p in batch:
                if not p.whole:
                    segments[p.id] = p.item.id
                if p.last:
                    bar.update(1)
                if p.skip is not None:
                    done.append((p.order, None, p.skip))
                    continue
                res, err = encoded[id(p)]
                if err is not None:
                    done.append((p.order, None, {"id": p.id, "reason": "encode_error", "detail": err[:300]}))
                    continue
                units, durations = res
                seconds = p.wave.size / rate
                self._seconds += seconds
                done.append((p.order, {"id": p.id, "units": units.tolist(),
                                       "durations": durations.tolist() if self.cfg.dedup else [],
                                       "duration": seconds, "speaker": p.speaker, "text": p.text,
                                       "words": word_spans(p.word_times, durations, fr)}, None))
            elapsed = time.perf_counter() - self._t0
            bar.set_postfix(rt=f"{self._seconds / max(elapsed, 1e-9):.0f}x", refresh=False)
        done.sort(key=lambda d: d[0])
        rows = [r for _, r, _ in done if r is not None]
        skips = [k for _, _, k in done if k is not None]
        self._write(shard, rows, skips, segments)

    def _write(self, shard, rows, skips, segments=None):
        from hf_slm.units.quantizer import file_sha256

        def sidecar(tmp):  # written before the shard is renamed into place: a done shard has both
            write_json(self.out / WORK_DIR / f"{shard['name']}.json", {
                "name": shard["name"], "split": shard["split"], "rows": len(rows),
                "sha256": file_sha256(tmp), "ids_sha256": ids_digest(r["id"] for r in rows),
                "seconds": float(sum(r["duration"] for r in rows)),
                "units": int(sum(len(r["units"]) for r in rows)),
                "frames": int(sum(sum(r["durations"]) if r["durations"] else len(r["units"]) for r in rows)),
                "skips": skips, **({"segments": segments} if segments else {})})

        write_parquet(self.out / "data" / shard["name"], rows, unit_features(), before_replace=sidecar)


def extract(cfg: ExtractConfig) -> dict | None:
    """Validate `cfg` (ConfigError before anything is written), then extract and merge."""
    return Extraction(cfg).run()
