"""One schema for every spoken benchmark (sBLIMP-style pairs, sSC, tSC, sWUGGY, official releases).

A benchmark folder BENCH holds one Hub-shaped dataset folder per task, `BENCH/<task>/`
(hf_slm.dataset_format layout): `data/test-00000-of-00001.parquet`, `README.md`, `meta.json`
(kind "benchmark": task, form "audio" or "units", rows, groups, how it was made) and
`skips.jsonl`. Tasks: hf_slm.tasks.TASKS (and official-release variants such as "ssc_official").
Each row is one question:

- id, task, group (phenomenon for sBLIMP; the task name for cloze), voice (speaker / TTS voice);
- prompt, positive, negative: unit sequences (int16; `prompt` empty for pair tasks). The model must
  prefer positive over negative (given the prompt, for cloze);
- prompt_text, positive_text, negative_text: the same in text (for text LMs and cross-modal SIMS
  evaluation);
- prompt_words, positive_words, negative_words: word spans over the unit sequences (half-open unit
  indices, as in unit datasets), for interleaved cross-modal prompts; may be empty.

An *audio* benchmark (what synthesis or an official loader writes) has `prompt_audio`,
`positive_audio`, `negative_audio` (encoded audio bytes, wav/flac) and `*_word_times` (seconds)
instead of the unit columns; the unit stage turns it into the unit form.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hf_slm.dataset_format import (
    load_parquet_splits, make_meta, make_stats, split_configs, split_files, write_card, write_meta,
    write_shard)
from hf_slm.errors import ConfigError

ROLES = ("prompt", "positive", "negative")
FORMS = ("audio", "units")


def _words():
    from datasets import List, Value

    return List({"word": Value("string"), "start": Value("int32"), "end": Value("int32")})


def _words_seconds():
    from datasets import List, Value

    return List({"word": Value("string"), "start": Value("float32"), "end": Value("float32")})


def _header():
    from datasets import Value

    return {"id": Value("string"), "task": Value("string"), "group": Value("string"),
            "voice": Value("string")}


def benchmark_features():
    """Features of a unit benchmark."""
    from datasets import Features, List, Value

    cols = _header()
    for role in ROLES:
        cols[role] = List(Value("int16"))
        cols[f"{role}_text"] = Value("string")
        cols[f"{role}_words"] = _words()
    return Features(cols)


def audio_benchmark_features():
    """Features of an audio benchmark (encoded bytes; decoded with soundfile, never torchcodec)."""
    from datasets import Features, Value

    cols = _header()
    for role in ROLES:
        cols[f"{role}_audio"] = Value("binary")
        cols[f"{role}_text"] = Value("string")
        cols[f"{role}_word_times"] = _words_seconds()
    return Features(cols)


def task_folders(bench_dir: str | Path) -> dict[str, Path]:
    """{task: folder} for every task folder under BENCH (folders that hold data/*.parquet)."""
    bench_dir = Path(bench_dir)
    if not bench_dir.is_dir():
        raise ConfigError("--benchmarks", f"{bench_dir} is not a folder")
    return {p.name: p for p in sorted(bench_dir.iterdir())
            if p.is_dir() and any((p / "data").glob("*.parquet"))}


def load_benchmark(task_dir: str | Path):
    """The `test` split of one task folder as a datasets.Dataset (unit or audio form)."""
    import pyarrow.parquet as pq

    files = split_files(task_dir)
    if not files:
        raise ConfigError("--benchmarks", f"{task_dir} has no data/*.parquet shards")
    schema = pq.read_schema(next(iter(files.values()))[0])
    features = benchmark_features() if "positive" in schema.names else audio_benchmark_features()
    splits = load_parquet_splits(files, features)
    return splits["test"] if "test" in splits else next(iter(splits.values()))


def write_benchmark(task_dir: str | Path, rows: list[dict], audio: bool = False) -> Path:
    """Write one task's rows as its single test shard (atomically)."""
    features = audio_benchmark_features() if audio else benchmark_features()
    return write_shard(task_dir, "test", 0, 1, rows, features=features)


def write_task(task_dir: str | Path, task: str, rows: list[dict], form: str, info: dict,
               skips: list[dict]) -> dict:
    """One finished task folder: its shard, meta.json (with `info`: how it was made) and card.

    `skips` are the folder's skips.jsonl entries (counted in the meta's stats).
    """
    if form not in FORMS:
        raise ValueError(f"form {form!r} is not one of {', '.join(FORMS)}")
    task_dir = Path(task_dir)
    groups = dict(Counter(r["group"] for r in rows))
    fields = {"task": task, "form": form, "rows": len(rows), "groups": groups, **info,
              "stats": make_stats(rows=len(rows), skips=skips)}
    if form == "units":
        fields["tokenization"] = "units"
    meta = make_meta("benchmark", fields)
    write_benchmark(task_dir, rows, audio=form == "audio")
    write_meta(task_dir, meta)
    _write_task_card(task_dir, meta)
    return meta


def _write_task_card(task_dir: Path, meta: dict) -> None:
    from huggingface_hub import DatasetCardData

    task, form = meta["task"], meta["form"]
    data = DatasetCardData(pretty_name=f"hf-slm {task}", tags=["speech", "benchmark", "hf-slm"],
                           configs=split_configs(["test"]))
    lines = "\n".join(f"| {g} | {n} |" for g, n in sorted(meta["groups"].items()))
    made = (f"with {meta['tts']} voices {', '.join(meta['voices'])} (seed {meta['seed']})"
            if meta.get("tts") else f"from {meta.get('source', 'an official release')}")
    write_card(task_dir, data, f"""
# {task} (spoken, {form})

Made by hf-slm {made}.
A model is right when it scores `positive` above `negative` (after `prompt` for cloze tasks).

| group | questions |
|---|---|
{lines}
{_removed_section(meta)}""")


def _removed_section(meta: dict) -> str:
    """The rows the unit stage removed, by reason (its meta's `*_removed` counts, and the groups it
    left with at most one row), as card text; '' for a task folder without them."""
    counts = {k[:-len("_removed")]: v for k, v in meta.items()
              if k.endswith("_removed") and isinstance(v, int)}
    if not counts:
        return ""
    rows = "\n".join(f"| {reason.replace('_', ' ')} | {n} |" for reason, n in counts.items())
    groups = meta.get("groups_removed") or {}
    whole = ("\nGroups left with at most one row (every row leaned one way): "
             + ", ".join(f"{g} ({why.replace('_', ' ')})" for g, why in groups.items()) + ".\n") if groups else ""
    return f"""
Removed when the audio became units (skips.jsonl has every row and its reason):

| removed because | rows |
|---|---|
{rows}
{whole}"""
