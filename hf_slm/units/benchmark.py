"""Audio benchmarks → unit benchmarks (the schema of hf_slm.synth.schema), with one UnitPipeline.

Each row's prompt/positive/negative audio becomes units, and its word times become word spans
over those units. A row whose audio is unusable is dropped whole (a pair missing one side cannot
be scored) and logged to `skips.jsonl` in the output task folder.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.synth.schema import ROLES, load_benchmark, write_benchmark


def benchmark_to_units(audio_task_dir: str | Path, out_task_dir: str | Path, pipeline) -> dict:
    """Convert one task folder; returns {"rows": kept, "skipped": dropped}."""
    from hf_slm.audio.io import load_audio
    from hf_slm.audio.validate import AudioError
    from hf_slm.skips import SkipLog
    from hf_slm.units.dedup import word_spans

    out_task_dir = Path(out_task_dir)
    skips = SkipLog(out_task_dir / "skips.jsonl")
    min_s = pipeline.encoder.min_samples / pipeline.sample_rate
    rows, dropped = [], 0
    for r in load_benchmark(audio_task_dir):
        row = {k: r[k] for k in ("id", "task", "group", "voice")}
        try:
            for role in ROLES:
                audio = r[f"{role}_audio"]
                row[f"{role}_text"] = r[f"{role}_text"] or ""
                if not audio:  # pair tasks have no prompt
                    row[role], row[f"{role}_words"] = [], []
                    continue
                wave = load_audio(audio, pipeline.sample_rate, min_seconds=min_s)
                (units, durations), = pipeline.batch_units_prepared([wave])
                row[role] = units.tolist()
                row[f"{role}_words"] = word_spans(r[f"{role}_word_times"], durations, pipeline.frame_rate)
        except AudioError as e:
            skips.add(r["id"], e.reason, role=role, detail=e.detail)
            dropped += 1
            continue
        rows.append(row)
    write_benchmark(out_task_dir, rows)
    return {"rows": len(rows), "skipped": dropped}
