"""Text token datasets in the token-dataset layout, so training reads speech and text the same way.

The folder follows hf_slm.dataset_format (kind "text", tokenization "text"): its `units` column
holds text token ids, `tokenizer/` is the text tokenizer and meta.json says `"mode": "text"`.
Rows keep `id` and `text`, so the same train/test split as the speech side is used.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.dataset_format import TOKENIZER_DIR, make_meta, make_stats, token_features, write_meta, write_shard
from hf_slm.provenance import package_versions
from hf_slm.textlm.tokenizer import save_text_tokenizer


def write_text_dataset(out_dir: str | Path, splits: dict[str, list[dict]], tokenizer,
                       source: str = "") -> Path:
    """`splits` maps a split name to rows with at least `id` and `text`; writes DIR and returns it."""
    out_dir = Path(out_dir)
    counts, encoded_splits = {}, {}
    max_id = len(tokenizer) - 1
    if max_id > 32767:
        raise ValueError(f"text vocabulary of {len(tokenizer)} does not fit the int16 units column")
    for split, rows in splits.items():
        encoded = tokenizer([r["text"] for r in rows], add_special_tokens=False)["input_ids"]
        out = [{"id": r["id"], "units": ids, "durations": [], "duration": float(r.get("duration", 0.0)),
                "speaker": r.get("speaker", ""), "text": r["text"], "words": []}
               for r, ids in zip(rows, encoded)]
        encoded_splits[split] = out
        counts[split] = {"rows": len(out), "tokens": int(sum(len(o["units"]) for o in out))}
    meta = make_meta("text", {
        "mode": "text", "tokenization": "text", "source": source,
        "tokenizer": {"vocab_size": len(tokenizer)}, "encoder": None, "codebook": None, "dedup": False,
        "counts": counts,
        "stats": make_stats(rows=sum(c["rows"] for c in counts.values()),
                            units=sum(c["tokens"] for c in counts.values())),
        "versions": package_versions(),
    })
    for split, out in encoded_splits.items():
        write_shard(out_dir, split, 0, 1, out, token_features())
    save_text_tokenizer(tokenizer, out_dir / TOKENIZER_DIR)
    write_meta(out_dir, meta)
    return out_dir
