"""Audio benchmarks → unit benchmarks (schema: hf_slm.dataset_format.benchmark), with one UnitPipeline.

Each row's prompt/positive/negative audio becomes units, and its word times become word spans
over those units. A row whose audio is unusable is dropped whole (a pair missing one side cannot
be scored) and logged to `skips.jsonl` in the output task folder, after the skips the audio
folder already had (e.g. utterances synthesis could not voice); so is a row whose positive and
negative become the same units (no right answer; meta `identical_units_removed` counts them), and
so are the rows that keep a group's unit lengths, and given the training split its unit
typicality, its words' frequency in the split's text and, on sBLIMP, its unit-bigram familiarity,
counterbalanced (`length_balance.py`; meta `length_balance_removed`, `unigram_balance_removed`,
`word_balance_removed`, `bigram_balance_removed`; a group left with at most one row, one whose
every row leaned the same way, is named in `groups_removed`). This is the unit stage
applied to what synthesis or an official loader wrote; the CLI and the demo chain the two.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.dataset_format.benchmark import ROLES, load_benchmark, task_folders, write_task
from hf_slm.dataset_format import META_FILE, read_meta
from hf_slm.errors import ConfigError
from hf_slm.tasks import BIGRAM_BALANCED_TASKS, base_task
from hf_slm.units.length_balance import BIGRAM_BALANCE, LENGTH_BALANCE, UNIGRAM_BALANCE, WORD_BALANCE, counterbalance

IDENTICAL = "identical_units"  # the skip reason of a pair whose two candidates have the same units
# meta.json: {group: balance} for the groups (phenomena) the unit stage removed whole (or to one row)
GROUPS_REMOVED = "groups_removed"
# the meta.json counts of rows the unit stage removed (the null report, findings and demo read these)
REMOVAL_COUNTS = ("identical_units_removed", "length_balance_removed", "unigram_balance_removed",
                  "word_balance_removed", "bigram_balance_removed")
# Meta keys the unit form recomputes; everything else (voices, tts, seed, ...) carries over.
_RECOUNTED = ("format", "schema_version", "task", "form", "rows", "groups", "stats", "tokenization")


def _audio_skips(audio_task_dir: Path) -> list[dict]:
    from hf_slm.skips import SkipLog

    return SkipLog(audio_task_dir / "skips.jsonl").entries()


def benchmark_to_units(audio_task_dir: str | Path, out_task_dir: str | Path, pipeline, unigram=None,
                       words=None, bigram=None) -> dict:
    """Convert one task folder (a whole new unit task folder); returns {"rows": kept, "skipped": dropped}.
    `unigram`: log p(unit) of the training split (hf_slm.units.frequency), to balance unit typicality too;
    `words`: the word counts of its text (hf_slm.synth.balance.WordFrequency), to keep word frequency balanced;
    `bigram`: log p(b | a) of the split, to balance unit-bigram familiarity on BIGRAM_BALANCED_TASKS."""
    import json

    from hf_slm.atomic import write_text
    from hf_slm.audio.io import load_audio
    from hf_slm.audio.validate import AudioError
    from hf_slm.skips import SkipLog
    from hf_slm.units.dedup import word_spans

    audio_task_dir, out_task_dir = Path(audio_task_dir), Path(out_task_dir)
    audio_meta = read_meta(audio_task_dir) if (audio_task_dir / META_FILE).exists() else {}
    carried = _audio_skips(audio_task_dir)
    write_text(out_task_dir / "skips.jsonl", "".join(json.dumps(s, default=str) + "\n" for s in carried))
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
    # A pair whose candidates are the same unit sequence has no right answer (every scorer ties):
    # it is dropped here, logged, and counted in the meta.
    same = [r for r in rows if r["positive"] == r["negative"]]
    for r in same:
        skips.add(r["id"], IDENTICAL, positive_text=r["positive_text"], negative_text=r["negative_text"])
    rows = [r for r in rows if r["positive"] != r["negative"]]
    # "the right answer is the longer one" (or "the one of more typical units", or "of more frequent
    # words") must not hold in any group (length_balance.py)
    task = audio_meta.get("task") or (rows[0]["task"] if rows else audio_task_dir.name)
    balance_bigram = bigram is not None and unigram is not None and base_task(task) in BIGRAM_BALANCED_TASKS
    rows_before = rows
    rows, removed = counterbalance(rows, unigram, words=words, bigram=bigram if balance_bigram else None)
    for reason, out in removed.items():
        for r in out:
            skips.add(r["id"], reason, voice=r["voice"], positive_units=len(r["positive"]),
                      negative_units=len(r["negative"]))
    unbalanced = [r for out in removed.values() for r in out]
    emptied = groups_removed(rows_before, rows, removed)
    info = {k: v for k, v in audio_meta.items() if k not in _RECOUNTED}
    info["identical_units_removed"] = len(same)
    info[GROUPS_REMOVED] = emptied
    info["length_balance_removed"] = len(removed[LENGTH_BALANCE])
    if unigram is not None:
        info["unigram_balance_removed"] = len(removed[UNIGRAM_BALANCE])
    if words is not None:
        info["word_balance_removed"] = len(removed[WORD_BALANCE])
    if balance_bigram:
        info["bigram_balance_removed"] = len(removed[BIGRAM_BALANCE])
    # The codebook by its content (what scoring compares with the model's dataset), never a local path.
    info["codebook"] = {"k": int(pipeline.k),
                        "sha256": pipeline.codebook_sha256 or pipeline.codebook.content_sha256()}
    write_task(out_task_dir, task, rows, "units", info, skips.entries())
    return {"rows": len(rows), "skipped": dropped + len(same) + len(unbalanced)}


def groups_removed(before: list[dict], kept: list[dict], removed: dict[str, list[dict]]) -> dict[str, str]:
    """{group: the balance that removed most of its rows} for every group the balances left with at
    most one row (the slack): one where every row leaned the same way is decided by that sign, so no
    subset of it but a single row is balanced, and one row tests nothing."""
    from collections import Counter

    left = Counter(r["group"] for r in kept)
    reasons: dict[str, Counter] = {}
    for reason, out in removed.items():
        for r in out:
            reasons.setdefault(r["group"], Counter())[reason] += 1
    return {g: reasons[g].most_common(1)[0][0] for g in sorted(reasons) if left[g] <= 1}


def benchmarks_to_units(audio_bench_dir: str | Path, out_bench_dir: str | Path, codebook: str,
                        tasks=None, pipeline=None, unigram_from=None) -> dict[str, Path]:
    """Every task folder of an audio benchmark folder (or only `tasks`) → OUT/<task> in unit form;
    `unigram_from`: a unit dataset of the same codebook whose train split's unit frequencies (the
    unigram null scorer's) and, when it has a text column, word frequencies the rows are also
    counterbalanced in, and on BIGRAM_BALANCED_TASKS its unit-bigram familiarity (without it, unit
    length only)."""
    from hf_slm.synth.balance import WordFrequency
    from hf_slm.units.frequency import count_models, train_split
    from hf_slm.units.pipeline import UnitPipeline

    pipeline = pipeline or UnitPipeline.from_codebook(codebook)
    unigram = words = bigram = None
    if unigram_from is not None:
        train, k = train_split(unigram_from)
        unigram, bigram = count_models(train["units"], k)
        if "text" in train.column_names:
            words = WordFrequency(t or "" for t in train["text"])
        if len(unigram) != pipeline.k:
            raise ConfigError("--unigram-from", f"{unigram_from} has K={len(unigram)} units, the codebook {pipeline.k}")
    out = {}
    for task, folder in task_folders(audio_bench_dir).items():
        if tasks is None or task in tasks:
            out[task] = Path(out_bench_dir) / task
            benchmark_to_units(folder, out[task], pipeline, unigram, words, bigram)
    return out
