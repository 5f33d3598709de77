"""meta.json and the dataset card (README.md with YAML) of a synthesized story dataset (audio form).

Both go through hf_slm.dataset_format (kind "audio"); the card is our own (hours, counts, voices,
TTS). The unit form of the stories is the unit stage's job (`hf-slm units extract` on this folder).
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.dataset_format import make_meta, make_stats, split_configs, write_card, write_meta


def write_stories_meta(out: Path, cfg, counts: dict, skips) -> dict:
    from hf_slm.provenance import git_commit, package_versions

    seconds = sum(c["seconds"] for c in counts.values())
    stats = make_stats(rows=sum(c["rows"] for c in counts.values()), seconds=seconds,
                       skips=skips.entries())
    synth = {"source": cfg.source, "tts": cfg.tts, "voices": list(cfg.voices), "seed": cfg.seed,
             "rate": cfg.rate, "sample_rate": 16000}
    meta = make_meta("audio", {"synth": synth, "counts": counts, "stats": stats,
                               "versions": package_versions(), "git_commit": git_commit()})
    write_meta(out, meta)
    _write_audio_card(out, meta)
    return meta


def _write_audio_card(out: Path, meta: dict) -> None:
    from huggingface_hub import DatasetCardData

    s, st = meta["synth"], meta["stats"]
    data = DatasetCardData(
        license="cdla-sharing-1.0" if "TinyStories" in s["source"] else "apache-2.0",
        pretty_name="hf-slm spoken stories", task_categories=["text-to-speech"],
        tags=["speech", "synthetic", "hf-slm", "word-alignments"],
        configs=split_configs(meta["counts"]),
        hf_slm={"synth": s, "stats": st})
    rows = "\n".join(f"| {k} | {c['rows']} | {c['seconds'] / 3600:.3f} | {c['shards']} |"
                     for k, c in sorted(meta["counts"].items()))
    write_card(out, data, f"""
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
""")
