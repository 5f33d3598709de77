"""Validate a finished extraction and write its dataset-level files.

Checks that every planned shard exists with the checksum and row count its sidecar recorded, that
no id appears twice, and that rows + skips account for exactly the planned inputs (the rows and
skips of an input cut into segments, `ID@START-END`, count for that input: each shard's sidecar
maps its segment ids to their input). Then writes
skips.jsonl, tokenizer/, meta.json and the dataset card README.md (all atomically) and prints the
statistics (hours, units, units per second of audio).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from hf_slm.atomic import atomic_dir, read_json, write_text
from hf_slm.dataset_format import TOKENIZER_DIR, make_meta, make_stats, write_meta
from hf_slm.units.shard_plan import PLAN, WORK_DIR, ids_digest


class MergeError(RuntimeError):
    """An extraction is incomplete or inconsistent (missing shard, bad checksum, duplicate id)."""


def _shard_ids(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=["id"]).column("id").to_pylist()


def merge(out: str | Path, quiet: bool = False) -> dict:
    from hf_slm.provenance import git_commit, package_versions
    from hf_slm.units.card import write_card
    from hf_slm.units.quantizer import file_sha256
    from hf_slm.units.tokenizer import save_unit_tokenizer

    out = Path(out)
    plan_path = out / WORK_DIR / PLAN
    if not plan_path.exists():
        raise MergeError(f"{out} has no {WORK_DIR}/{PLAN}: not an extraction folder")
    plan = read_json(plan_path)
    seen: Counter = Counter()
    input_of: dict[str, str] = {}  # segment id -> the input it was cut from
    skips = list(plan["listing_skips"])
    splits: dict[str, dict] = {}
    shards = []
    for name in plan["shards"]:
        path, side = out / "data" / name, out / WORK_DIR / f"{name}.json"
        if not path.exists() or not side.exists():
            raise MergeError(f"shard {name} is missing; rerun the extract command to finish it")
        info = read_json(side)
        if file_sha256(path) != info["sha256"]:
            raise MergeError(f"shard {name} does not match its recorded sha256; delete it and rerun extract")
        ids = _shard_ids(path)
        if len(ids) != info["rows"] or ids_digest(ids) != info["ids_sha256"]:
            raise MergeError(f"shard {name} has {len(ids)} rows, its sidecar says {info['rows']}")
        seen.update(ids)
        input_of.update(info.get("segments", {}))
        skips += info["skips"]
        s = splits.setdefault(info["split"], {"rows": 0, "seconds": 0.0, "units": 0, "frames": 0, "shards": 0})
        for key in ("rows", "seconds", "units", "frames"):
            s[key] += info[key]
        s["shards"] += 1
        shards.append({"file": f"data/{name}", "rows": info["rows"], "sha256": info["sha256"]})
    dup = sorted(i for i, n in seen.items() if n > 1)
    if dup:
        raise MergeError(f"{len(dup)} ids appear twice, e.g. {dup[0]!r}")
    item_skips = [s["id"] for s in skips if s["reason"] not in ("bad_manifest_line", "duplicate_id")]
    if set(seen) & set(item_skips):
        raise MergeError(f"ids both kept and skipped, e.g. {sorted(set(seen) & set(item_skips))[0]!r}")
    covered = {input_of.get(i, i) for i in [*seen, *item_skips]}
    if ids_digest(covered) != plan["ids_sha256"]:
        raise MergeError(f"rows ({len(seen)}) + skips ({len(item_skips)}) cover {len(covered)} inputs, not the "
                         f"{plan['items']} planned inputs; rerun extract")

    seconds = sum(s["seconds"] for s in splits.values())
    units = sum(s["units"] for s in splits.values())
    stats = make_stats(rows=len(seen), seconds=seconds, units=units, skips=skips,
                       frames=sum(s["frames"] for s in splits.values()))
    for s in splits.values():
        s["units_per_second"] = s["units"] / s["seconds"] if s["seconds"] else 0.0
    cfg = plan["config"]
    meta = make_meta("units", {
        "encoder": cfg["encoder"], "codebook": plan["codebook"], "tokenization": "units",
        "dedup": cfg["dedup"], "counts": splits, "stats": stats, "shards": shards,
        "source": {"input": cfg["input"], "kind": cfg["kind"], "items": plan["items"],
                   "test_fraction": cfg["test_fraction"], "min_seconds": cfg["min_seconds"],
                   **({"max_segment_seconds": cfg["max_segment_seconds"], "inputs_cut": len(set(input_of.values()))}
                      if "max_segment_seconds" in cfg else {})},
        "license": plan.get("license", "unknown"),
        "versions": package_versions(), "git_commit": git_commit()})

    write_text(out / "skips.jsonl", "".join(json.dumps(s, default=str) + "\n" for s in skips))
    with atomic_dir(out / TOKENIZER_DIR) as tmp:
        save_unit_tokenizer(int(plan["codebook"]["k"]), tmp)
    write_meta(out, meta)
    write_card(out, meta)
    if not quiet:
        print(f"units: {stats['rows']} rows, {stats['hours']:.3f} h, {stats['units']} units "
              f"({stats['units_per_second']:.1f} units/s), {stats['skipped']} skipped "
              f"{stats['skip_reasons'] or ''} -> {out}", file=sys.stderr)
    return meta
