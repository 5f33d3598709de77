"""`hf-slm synth benchmarks`: the spoken benchmarks in the schema of hf_slm.synth.schema.

BENCH/sblimp, BENCH/ssc, BENCH/tsc, BENCH/swuggy: every minimal pair (and word pair) is voiced by
every voice; a cloze mirror pair (hf_slm.synth.cloze) by one voice (alternating). Every utterance
is synthesized as the first utterance of a fresh engine state (FreshPool), so the two candidates
differ only by their text and a shared prompt (or ending) is one recording. Synthesis writes the audio
form; the unit form is the unit stage applied to it (hf_slm.units.benchmark, chained by the CLI's
`--codebook` and by the demo).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from hf_slm.errors import ConfigError, require
from hf_slm.synth.utterance import DEFAULT_VOICES
from hf_slm.tasks import TASKS


@dataclass
class BenchmarkConfig:
    out: str
    tasks: list[str] = field(default_factory=lambda: list(TASKS))
    pairs_per_phenomenon: int = 40
    cloze_questions: int = 200
    words: int = 120  # sWUGGY pairs: one per usable story word (hf_slm.synth.wuggy)
    exclude_from: str | None = None  # training stories: nothing here may occur in them
    voices: list[str] = field(default_factory=lambda: list(DEFAULT_VOICES))
    tts: str = "espeak"
    rate: int | None = None
    workers: int = 1
    seed: int = 0
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
        pairs = make_pairs(cfg.pairs_per_phenomenon, cfg.seed, frozenset(training.sentences),
                           training.words)
        out["sblimp"] = [{**p, "id": f"sblimp-{p['group']}-{i:05d}-{v}", "voice": v, "prompt": ""}
                         for i, p in enumerate(pairs) for v in cfg.voices]
    if "ssc" in cfg.tasks or "tsc" in cfg.tasks:
        cloze = make_cloze(cfg.cloze_questions, cfg.seed, training)
        for task in ("ssc", "tsc"):
            if task in cfg.tasks:
                # one voice per mirror pair: the ending both rows share must be the same audio
                out[task] = [{**q, "voice": cfg.voices[q["mirror"] % len(cfg.voices)]} for q in cloze[task]]
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


def _write_task(folder: Path, task: str, rows: list[dict], cfg, skips) -> None:
    from hf_slm.dataset_format.benchmark import write_task

    write_task(folder, task, rows, "audio", {"voices": list(cfg.voices), "tts": cfg.tts, "seed": cfg.seed,
                                              "heldout_checked_against": cfg.exclude_from}, skips.entries())


def check_config(cfg: BenchmarkConfig) -> None:
    from hf_slm.synth.tts import check_tts

    require(bool(cfg.tasks), "--tasks", "give at least one task")
    require(cfg.cloze_questions % 2 == 0, "--cloze-questions",
            "must be even: cloze questions come in mirror pairs")
    require(cfg.exclude_from is None or Path(cfg.exclude_from).exists(), "--exclude-from",
            f"{cfg.exclude_from} does not exist")
    check_tts(cfg.tts, cfg.voices)


def synth_benchmarks(cfg: BenchmarkConfig) -> dict[str, Path]:
    """Write BENCH/<task>/ (audio form) for each task; returns {task: folder}. Reruns rewrite whole tasks."""
    from hf_slm.skips import SkipLog

    check_config(cfg)
    plan = plan_questions(cfg)
    audio = _voice_all(cfg, plan)
    out, folders = Path(cfg.out), {}
    for task, questions in plan.items():
        rows, missing = _rows(task, questions, audio)
        folder = out / task
        skips = SkipLog(folder / "skips.jsonl")
        for qid, role in missing:
            skips.add(qid, "synthesis_failed", role=role)
        _write_task(folder, task, rows, cfg, skips)
        folders[task] = folder
        if not cfg.quiet:
            print(f"synth benchmarks: {task}: {len(rows)} questions -> {folder}", file=sys.stderr)
    return folders
