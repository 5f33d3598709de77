"""The text side of the demo's speech-vs-text comparison: the stories as text, enough for single-epoch runs.

Speech turns a story into ~8x more tokens than text does, so the spoken stories' own text is too
short for single-epoch text runs at the speech budgets. The text side therefore takes the
training stories' text and continues the same generator stream (same namespace and seed, indices
far past the spoken ones) until the pool covers the largest budget. Nothing that any benchmark
uses may occur in it: a story with a benchmark sentence or a cloze prompt is dropped.
"""

from __future__ import annotations

from pathlib import Path

EXTRA_START = 5_000_000  # first generator index of the text-only stories


def benchmark_texts(bench_dir: Path) -> tuple[set[str], list[str]]:
    """(normalised benchmark sentences, normalised cloze prompts) of every task folder."""
    from hf_slm.synth.schema import load_benchmark, task_folders
    from hf_slm.synth.textnorm import norm_sentence, norm_text, split_sentences

    sentences, prompts = set(), set()
    for folder in task_folders(bench_dir).values():
        ds = load_benchmark(folder)
        for col in ("positive_text", "negative_text"):
            if col in ds.column_names:
                sentences.update(norm_sentence(s) for t in ds[col] for s in split_sentences(t))
        if "prompt_text" in ds.column_names:
            prompts.update(norm_text(t) for t in ds["prompt_text"] if t)
    return sentences, sorted(prompts)


def extra_story_texts(tokenizer, need_tokens: int, have_tokens: int, seed: int, bench_dir: Path):
    """Rows {id, text} of further generated stories until the pool holds `need_tokens` tokens."""
    from hf_slm.synth.stories import TRAIN, make_story
    from hf_slm.synth.textnorm import norm_sentence, norm_text, split_sentences

    sentences, prompts = benchmark_texts(bench_dir)
    rows, total, i = [], have_tokens, EXTRA_START
    while total < need_tokens:
        story = make_story(TRAIN, seed, i)
        i += 1
        text = story.text
        normalised = norm_text(text)
        if any(norm_sentence(s) in sentences for s in split_sentences(text)) or \
                any(p in normalised for p in prompts):
            continue
        rows.append({"id": story.id, "text": text, "speaker": "", "duration": 0.0})
        total += len(tokenizer(text, add_special_tokens=False)["input_ids"]) + 1
    return rows
