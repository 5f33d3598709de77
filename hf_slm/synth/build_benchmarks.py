"""`hf-slm synth benchmarks`: the spoken benchmarks in the schema of hf_slm.synth.schema.

BENCH/sblimp, BENCH/ssc, BENCH/tsc, BENCH/swuggy: every minimal pair (and word pair) is voiced by
every voice; a cloze question by one voice (alternating). Every utterance is synthesized as the
first utterance of a fresh engine state (FreshPool), so the two candidates differ only by their
text and a shared prompt is one recording used with both endings. With a codebook the audio
folders are turned into unit folders (hf_slm.units.benchmark) and the audio is dropped.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hf_slm.atomic import write_json, write_text
from hf_slm.errors import ConfigError, require
from hf_slm.synth.tts import DEFAULT_VOICES


@dataclass
class BenchmarkConfig:
    out: str
    tasks: list[str] = field(default_factory=lambda: ["sblimp", "ssc", "tsc", "swuggy"])
    pairs_per_phenomenon: int = 40
    cloze_questions: int = 200
    words: int = 200
    exclude_from: str | None = None  # training stories: nothing here may occur in them
    voices: list[str] = field(default_factory=lambda: list(DEFAULT_VOICES))
    tts: str = "espeak"
    rate: int | None = None
    workers: int = 1
    seed: int = 0
    codebook: str | None = None
    quiet: bool = False


def training_texts(path: str | None):
    """Texts of a story dataset folder (its `text` column) or a .txt/.jsonl file."""
    if path is None:
        return []
    p = Path(path)
    if p.is_dir():
        import pyarrow.parquet as pq

        files = sorted(p.glob("data/*.parquet")) + sorted(p.glob("data/.parts/*.parquet"))
        if not files:
            raise ConfigError("--exclude-from", f"{p} has no data/*.parquet shards")
        return [t for f in files for t in pq.read_table(f, columns=["text"]).column("text").to_pylist()]
    from hf_slm.synth.sources import iter_texts

    if not p.is_file():
        raise ConfigError("--exclude-from", f"{p} is not a folder or file")
    return [t for _, t in iter_texts(str(p))]


def plan_questions(cfg: BenchmarkConfig) -> dict[str, list[dict]]:
    """The text of every question per task (no audio yet); deterministic for the seed."""
    from hf_slm.synth.cloze import TrainingText, make_cloze
    from hf_slm.synth.pairs import make_pairs
    from hf_slm.synth.wuggy import make_wuggy

    training = TrainingText(training_texts(cfg.exclude_from))
    out: dict[str, list[dict]] = {}
    if "sblimp" in cfg.tasks:
        pairs = make_pairs(cfg.pairs_per_phenomenon, cfg.seed, frozenset(training.sentences))
        out["sblimp"] = [{**p, "id": f"sblimp-{p['group']}-{i:05d}-{v}", "voice": v, "prompt": ""}
                         for i, p in enumerate(pairs) for v in cfg.voices]
    if "ssc" in cfg.tasks or "tsc" in cfg.tasks:
        cloze = make_cloze(cfg.cloze_questions, cfg.seed, training)
        for task in ("ssc", "tsc"):
            if task in cfg.tasks:
                out[task] = [{**q, "voice": cfg.voices[i % len(cfg.voices)]}
                             for i, q in enumerate(cloze[task])]
    if "swuggy" in cfg.tasks:
        out["swuggy"] = [{**w, "id": f"swuggy-{i:05d}-{v}", "voice": v, "prompt": ""}
                         for i, w in enumerate(make_wuggy(cfg.words, cfg.seed)) for v in cfg.voices]
    return out


def _utter_task(engine, item):
    text, voice = item
    s = engine.synthesize(text, voice)
    return s.flac(), [{"word": w, "start": a, "end": b} for w, a, b in s.words]


def _voice_all(cfg, plan) -> dict[tuple[str, str], tuple[bytes, list]]:
    from tqdm.auto import tqdm

    from hf_slm.synth.fresh import Failed, FreshPool

    need = sorted({(q[role], q["voice"]) for qs in plan.values() for q in qs
                   for role in ("prompt", "positive", "negative") if q[role]})
    done = {}
    opts = {"rate": cfg.rate} if cfg.tts == "espeak" else {}
    with FreshPool(cfg.tts, cfg.workers, **opts) as pool:
        bar = tqdm(total=len(need), desc="synth benchmarks", unit="utt", disable=cfg.quiet)
        for key, res in zip(need, pool.imap(_utter_task, need, chunksize=4)):
            if not isinstance(res, Failed):
                done[key] = res
            bar.update()
        bar.close()
    return done


def _rows(task: str, questions, audio) -> tuple[list[dict], list[tuple[str, str]]]:
    rows, missing = [], []
    for q in questions:
        row = {"id": q["id"], "task": task, "group": q["group"], "voice": q["voice"]}
        ok = True
        for role in ("prompt", "positive", "negative"):
            text = q[role]
            got = audio.get((text, q["voice"])) if text else (b"", [])
            if got is None:
                ok = False
                break
            row[f"{role}_audio"], row[f"{role}_text"], row[f"{role}_word_times"] = got[0], text, got[1]
        if ok:
            rows.append(row)
        else:
            missing.append((q["id"], role))
    return rows, missing


def _write_task(folder: Path, task: str, rows: list[dict], cfg, unit: bool) -> None:
    from collections import Counter

    from hf_slm.synth.schema import write_benchmark

    write_benchmark(folder, rows, audio=not unit)
    groups = dict(Counter(r["group"] for r in rows))
    meta = {"task": task, "form": "units" if unit else "audio", "rows": len(rows),
            "groups": groups, "voices": list(cfg.voices), "tts": cfg.tts, "seed": cfg.seed,
            "heldout_checked_against": cfg.exclude_from}
    write_json(folder / "meta.json", meta)
    lines = "\n".join(f"| {g} | {n} |" for g, n in sorted(groups.items()))
    write_text(folder / "README.md", f"""---
pretty_name: hf-slm {task}
tags: [speech, benchmark, hf-slm]
configs:
- config_name: default
  data_files:
  - split: test
    path: data/test-*.parquet
---
# {task} (spoken, {'units' if unit else 'audio'})

Made by `hf-slm synth benchmarks` with {cfg.tts} voices {', '.join(cfg.voices)} (seed {cfg.seed}).
A model is right when it scores `positive` above `negative` (after `prompt` for cloze tasks).

| group | questions |
|---|---|
{lines}
""")


def check_config(cfg: BenchmarkConfig) -> None:
    from hf_slm.synth.tts import check_tts

    require(bool(cfg.tasks), "--tasks", "give at least one task")
    require(cfg.codebook is None or Path(cfg.codebook).is_file(), "--codebook",
            f"{cfg.codebook} is not a file")
    require(cfg.exclude_from is None or Path(cfg.exclude_from).exists(), "--exclude-from",
            f"{cfg.exclude_from} does not exist")
    check_tts(cfg.tts, cfg.voices)


def synth_benchmarks(cfg: BenchmarkConfig) -> dict[str, Path]:
    """Write BENCH/<task>/ for each task; returns {task: folder}. Reruns rewrite whole tasks."""
    from hf_slm.skips import SkipLog

    check_config(cfg)
    pipeline = None
    if cfg.codebook:
        from hf_slm.units.pipeline import UnitPipeline

        pipeline = UnitPipeline.from_codebook(cfg.codebook)
    plan = plan_questions(cfg)
    audio = _voice_all(cfg, plan)
    out, folders = Path(cfg.out), {}
    for task, questions in plan.items():
        rows, missing = _rows(task, questions, audio)
        folder = out / task
        skips = SkipLog(folder / "skips.jsonl")
        for qid, role in missing:
            skips.add(qid, "synthesis_failed", role=role)
        if pipeline is None:
            _write_task(folder, task, rows, cfg, unit=False)
        else:
            from hf_slm.units.benchmark import benchmark_to_units

            tmp = Path(tempfile.mkdtemp(prefix=f".{task}-audio.", dir=out))
            try:
                _write_task(tmp, task, rows, cfg, unit=False)
                benchmark_to_units(tmp, folder, pipeline)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            from hf_slm.synth.schema import load_benchmark

            _write_meta_only(folder, task, load_benchmark(folder), cfg)
        folders[task] = folder
        if not cfg.quiet:
            print(f"synth benchmarks: {task}: {len(rows)} questions -> {folder}", file=sys.stderr)
    return folders


def _write_meta_only(folder: Path, task: str, ds, cfg) -> None:
    rows = [{"group": g} for g in ds["group"]]
    groups = {}
    for r in rows:
        groups[r["group"]] = groups.get(r["group"], 0) + 1
    write_json(folder / "meta.json", {"task": task, "form": "units", "rows": len(rows),
                                      "groups": groups, "voices": list(cfg.voices), "tts": cfg.tts,
                                      "seed": cfg.seed, "codebook": cfg.codebook,
                                      "heldout_checked_against": cfg.exclude_from})
