"""meta.json and the dataset card (README.md with YAML) of a synthesized story dataset.

Audio form: a card of our own (hours, counts, voices, TTS). Unit form: the unit stage's meta
layout, tokenizer and card (hf_slm.units.card), so `load_unit_dataset` opens the folder.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.atomic import atomic_dir, write_json, write_text
from hf_slm.units.dataset import META_FILE, TOKENIZER_DIR


def _stats(counts: dict, skips) -> dict:
    seconds = sum(c["seconds"] for c in counts.values())
    return {"hours": seconds / 3600, "seconds": seconds,
            "rows": sum(c["rows"] for c in counts.values()),
            "skipped": len(skips.entries()), "skip_reasons": skips.counts()}


def write_stories_meta(out: Path, cfg, counts: dict, skips, pipeline=None) -> dict:
    from hf_slm.provenance import git_commit, package_versions

    stats = _stats(counts, skips)
    synth = {"source": cfg.source, "tts": cfg.tts, "voices": list(cfg.voices), "seed": cfg.seed,
             "rate": cfg.rate, "sample_rate": 16000}
    if pipeline is not None:
        return _write_unit_meta(out, counts, stats, synth, pipeline)
    meta = {"format": "hf-slm-audio/1", "synth": synth, "counts": counts, "stats": stats,
            "versions": package_versions(), "git_commit": git_commit()}
    write_json(out / META_FILE, meta)
    write_text(out / "README.md", _audio_card(meta))
    return meta


def _audio_card(meta: dict) -> str:
    from huggingface_hub import DatasetCard, DatasetCardData

    s, st = meta["synth"], meta["stats"]
    data = DatasetCardData(
        license="cdla-sharing-1.0" if "TinyStories" in s["source"] else "apache-2.0",
        pretty_name="hf-slm spoken stories", task_categories=["text-to-speech"],
        tags=["speech", "synthetic", "hf-slm", "word-alignments"],
        configs=[{"config_name": "default",
                  "data_files": [{"split": k, "path": f"data/{k}-*.parquet"}
                                 for k in sorted(meta["counts"])]}],
        hf_slm={"synth": s, "stats": st})
    rows = "\n".join(f"| {k} | {c['rows']} | {c['seconds'] / 3600:.3f} | {c['shards']} |"
                     for k, c in sorted(meta["counts"].items()))
    body = f"""
# Spoken stories

Stories from `{s['source']}` spoken by `{s['tts']}` with voices {', '.join(s['voices'])}
(seed {s['seed']}), 16 kHz mono FLAC, with word alignments, made by `hf-slm synth stories`.

| split | stories | hours | shards |
|---|---|---|---|
{rows}

Total: {st['hours']:.3f} h in {st['rows']} stories; {st['skipped']} skipped
({st['skip_reasons'] or 'none'}; see `skips.jsonl`).

Columns: `id`, `audio` (FLAC bytes: decode with `soundfile`), `text`, `speaker` (voice),
`word_times` ([{{word, start, end}}] in seconds), `duration` (seconds).
"""
    return str(DatasetCard(f"---\n{data.to_yaml()}\n---\n{body}"))


def _write_unit_meta(out: Path, counts: dict, stats: dict, synth: dict, pipeline) -> dict:
    from hf_slm.provenance import git_commit, package_versions
    from hf_slm.units.card import write_card
    from hf_slm.units.tokenizer import save_unit_tokenizer

    units = sum(c["units"] for c in counts.values())
    for c in counts.values():
        c["units_per_second"] = c["units"] / c["seconds"] if c["seconds"] else 0.0
    stats = {**stats, "units": units, "units_per_second": units / stats["seconds"]
             if stats["seconds"] else 0.0}
    meta = {"format": "hf-slm-units/1", "encoder": pipeline.encoder.info(),
            "codebook": {"k": pipeline.k, "sha256": pipeline.codebook_sha256},
            "dedup": pipeline.dedup, "counts": counts, "stats": stats,
            "source": {"synth": synth}, "license": "apache-2.0",
            "versions": package_versions(), "git_commit": git_commit()}
    with atomic_dir(out / TOKENIZER_DIR) as tmp:
        save_unit_tokenizer(pipeline.k, tmp)
    write_json(out / META_FILE, meta)
    write_card(out, meta, title="Spoken stories as speech units")
    return meta
