"""One schema for every spoken benchmark (sBLIMP-style pairs, sSC, tSC, sWUGGY, official releases).

A benchmark folder BENCH holds one Hub-shaped dataset folder per task, `BENCH/<task>/`, with
`data/test-00000-of-00001.parquet` (the same Parquet layout as unit datasets), `README.md` and
`meta.json`. Tasks: "sblimp", "ssc", "tsc", "swuggy" (and official-release variants such as
"ssc_official"). Each row is one question:

- id, task, group (phenomenon for sBLIMP; the task name for cloze), voice (speaker / TTS voice);
- prompt, positive, negative: unit sequences (int16; `prompt` empty for pair tasks). The model must
  prefer positive over negative (given the prompt, for cloze);
- prompt_text, positive_text, negative_text: the same in text (for text LMs and cross-modal SIMS
  evaluation);
- prompt_words, positive_words, negative_words: word spans over the unit sequences (half-open unit
  indices, as in unit datasets), for interleaved cross-modal prompts; may be empty.

An *audio* benchmark (what synthesis or an official loader produces before the unit stage) has
`prompt_audio`, `positive_audio`, `negative_audio` (encoded audio bytes, wav/flac) and no unit
columns; `hf_slm.units` turns it into the unit form.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.errors import ConfigError

TASKS = ("sblimp", "ssc", "tsc", "swuggy")
ROLES = ("prompt", "positive", "negative")


def _words():
    from datasets import List, Value

    return List({"word": Value("string"), "start": Value("int32"), "end": Value("int32")})


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


def _words_seconds():
    from datasets import List, Value

    return List({"word": Value("string"), "start": Value("float32"), "end": Value("float32")})


def task_folders(bench_dir: str | Path) -> dict[str, Path]:
    """{task: folder} for every task folder under BENCH (folders that hold data/*.parquet)."""
    bench_dir = Path(bench_dir)
    if not bench_dir.is_dir():
        raise ConfigError("--benchmarks", f"{bench_dir} is not a folder")
    return {p.name: p for p in sorted(bench_dir.iterdir())
            if p.is_dir() and any((p / "data").glob("*.parquet"))}


def load_benchmark(task_dir: str | Path):
    """The `test` split of one task folder as a datasets.Dataset (unit or audio form)."""
    from hf_slm.units.dataset import load_parquet_splits, split_files

    files = split_files(task_dir)
    if not files:
        raise ConfigError("--benchmarks", f"{task_dir} has no data/*.parquet shards")
    import pyarrow.parquet as pq

    schema = pq.read_schema(next(iter(files.values()))[0])
    features = benchmark_features() if "positive" in schema.names else audio_benchmark_features()
    splits = load_parquet_splits(files, features)
    return splits["test"] if "test" in splits else next(iter(splits.values()))


def write_benchmark(task_dir: str | Path, rows: list[dict], audio: bool = False) -> Path:
    """Write one task's rows as its single test shard (atomically)."""
    from hf_slm.units.dataset import write_shard

    features = audio_benchmark_features() if audio else benchmark_features()
    return write_shard(task_dir, "test", 0, 1, rows, features=features)
