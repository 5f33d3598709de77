"""Text token datasets in the unit-dataset layout, so training reads speech and text the same way.

The folder is a unit dataset (hf_slm.units.dataset) whose `units` column holds text token ids and
whose `tokenizer/` is the text tokenizer; meta.json says `"mode": "text"`. Rows keep `id` and
`text`, so the same train/test split as the speech side is used.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.atomic import write_json
from hf_slm.provenance import package_versions
from hf_slm.units.dataset import META_FILE, TOKENIZER_DIR, write_shard


def write_text_dataset(out_dir: str | Path, splits: dict[str, list[dict]], tokenizer,
                       source: str = "") -> Path:
    """`splits` maps a split name to rows with at least `id` and `text`; writes DIR and returns it."""
    out_dir = Path(out_dir)
    counts = {}
    max_id = len(tokenizer) - 1
    if max_id > 32767:
        raise ValueError(f"text vocabulary of {len(tokenizer)} does not fit the int16 units column")
    for split, rows in splits.items():
        encoded = tokenizer([r["text"] for r in rows], add_special_tokens=False)["input_ids"]
        out = [{"id": r["id"], "units": ids, "durations": [], "duration": float(r.get("duration", 0.0)),
                "speaker": r.get("speaker", ""), "text": r["text"], "words": []}
               for r, ids in zip(rows, encoded)]
        write_shard(out_dir, split, 0, 1, out)
        counts[split] = {"rows": len(out), "tokens": int(sum(len(o["units"]) for o in out))}
    tokenizer.save_pretrained(str(out_dir / TOKENIZER_DIR))
    write_json(out_dir / META_FILE, {
        "mode": "text", "source": source, "tokenizer": {"vocab_size": len(tokenizer)},
        "encoder": None, "codebook": None, "dedup": False, "counts": counts,
        "versions": package_versions(),
    })
    return out_dir
