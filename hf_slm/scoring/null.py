"""Model-free null scorers: what a benchmark's answer key gives away without any language model.

A benchmark measures a property (agreement, lexicality, a story's outcome) only if nothing simpler
decides it. Two scorers that know nothing of that property must score chance:

- `length`: prefers the shorter candidate (score = -number of units). This is what a model with a
  constant cost per unit does under sum-NLL scoring; under the default cm2024 protocol (mean NLL)
  a constant cost ties every pair, so the length scorer asks the stricter question: does duration
  alone decide the answer? Its mirror (prefer the longer) scores 1 - its accuracy, so either far
  from 0.5 is a confound.
- `unigram`: mean log-probability per unit under the unit frequencies of the training split
  (add-one smoothed), cm2024's mean reduction over the span cm2024 scores (the whole story,
  prompt + ending, for cloze tasks).

Beside them, a `bigram` baseline (not a criterion): mean log-probability per unit under a
unit-bigram count model of the training split. It is a weak language model, so local statistics may
rightly decide a pair for it; per phenomenon it says how much of a score a model that only knows how
familiar each candidate's unit sequence sounds would get (a subject swap, "Nobody" against a name,
scored 0.22 for it on NPI licensing, and the speech LMs followed it). Its interval is its own 95% one.

Ties count 0.5 (a null that cannot tell carries no information), and the outcomes are aggregated
and bootstrapped like a model's headline figure under cm2024 (hf_slm.scoring.aggregate): voicings
of an item averaged, macro over groups. A task is unbiased under a scorer when that interval
contains 0.5. Every task is tested by every scorer, so the decision uses family-wise intervals
(Bonferroni: level 1 − 0.05/m for m tests), or one in three unbiased benchmark folders of four tasks
would fail somewhere by chance; each entry also keeps its own 95% interval (`ci95`). Pairs whose
two sides are the same unit sequence cannot be answered by any model and are counted apart
(`identical`).

`text_null_benchmarks` asks the same of the text side: the same two scorers on each benchmark's
texts, tokenized by a text LM's tokenizer, with token frequencies from the text training split.
A text null off chance means the tokenizer or word frequencies decide that text task before any
training (a BPE vocabulary learned from the stories holds each real word as one token, and a
non-word as several), so a text LM's score there measures its tokenizer, not what it learned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from hf_slm.scoring.aggregate import headline_figure
from hf_slm.scoring.encode import TextEncoder
from hf_slm.scoring.items import item_keys
from hf_slm.scoring.metrics import pair_outcomes
from hf_slm.scoring.protocol import DEFAULT_PROTOCOL, get_protocol
from hf_slm.units.benchmark import GROUPS_REMOVED, REMOVAL_COUNTS
from hf_slm.units.frequency import dataset_count_models, mean_bigram_logprob, mean_logprob, unigram_logprobs

SCORERS = ("length", "unigram")
BASELINES = ("bigram",)


def length_score(prompt: Sequence[int], candidate: Sequence[int]) -> float:
    """Higher = preferred: the shorter candidate (the shared prompt does not change the decision)."""
    return -float(len(candidate))


def _whole(prompt: Sequence[int], candidate: Sequence[int]) -> np.ndarray:
    """prompt + candidate as one unit sequence (cm2024 scores a cloze story whole)."""
    return np.concatenate([np.asarray(prompt, np.int64), np.asarray(candidate, np.int64)])


def unigram_scorer(logp: np.ndarray) -> Callable[[Sequence[int], Sequence[int]], float]:
    """Mean unit log-probability of prompt + candidate."""
    return lambda prompt, candidate: mean_logprob(logp, _whole(prompt, candidate))


def bigram_scorer(unigram: np.ndarray, bigram: np.ndarray) -> Callable[[Sequence[int], Sequence[int]], float]:
    """Mean unit log-probability of prompt + candidate under a unit-bigram model (the baseline)."""
    return lambda prompt, candidate: mean_bigram_logprob(unigram, bigram, _whole(prompt, candidate))


def identical_rows(rows: Iterable[dict]) -> list[int]:
    """Indices of rows whose positive and negative are the same unit sequence (no model can tell them)."""
    return [i for i, r in enumerate(rows) if list(r["positive"]) == list(r["negative"])]


def null_task(ds, score: Callable, *, n_boot: int = 1000, seed: int = 0, confidence: float = 0.95,
              protocol: str = DEFAULT_PROTOCOL) -> dict:
    """The headline figure of one null scorer on one unit task, with its per-group accuracies."""
    prompts, positives, negatives = ds["prompt"], ds["positive"], ds["negative"]
    pos = np.array([score(p, c) for p, c in zip(prompts, positives)], dtype=np.float64)
    neg = np.array([score(p, c) for p, c in zip(prompts, negatives)], dtype=np.float64)
    outcomes = pair_outcomes(pos, neg)  # ties 0.5, whatever the protocol does with a model's ties
    groups = list(ds["group"])
    entry = headline_figure(outcomes, groups, item_keys(ds), get_protocol(protocol), n_boot=n_boot,
                            confidence=confidence, seed=seed)
    g = np.asarray(groups)
    entry["groups"] = {str(name): float(outcomes[g == name].mean()) for name in sorted(set(groups))}
    entry["ties"] = int(np.sum(pos == neg))
    entry["chance_in_interval"] = bool(entry["ci_low"] <= 0.5 <= entry["ci_high"])
    return entry


def familywise_confidence(n_tests: int, confidence: float = 0.95) -> float:
    """Bonferroni: the per-test level that keeps the chance of any false alarm at 1 - confidence."""
    return 1.0 - (1.0 - confidence) / max(1, n_tests)


def _benchmarks(bench_dir, tasks, column: str):
    """(task, folder, rows) of every non-empty task folder that has `column`, or of `tasks` only."""
    from hf_slm.dataset_format.benchmark import load_benchmark, task_folders

    for task, folder in task_folders(bench_dir).items():
        if tasks is not None and task not in tasks:
            continue
        ds = load_benchmark(folder)
        if column in ds.column_names and len(ds):
            yield task, folder, ds


def null_benchmarks(bench_dir, logp: np.ndarray, *, bigram: np.ndarray | None = None, tasks=None,
                    n_boot: int = 1000, seed: int = 0, confidence: float = 0.95) -> dict:
    """{task: {"rows", "identical", *REMOVAL_COUNTS, "groups_removed", "length": entry,
    "unigram": entry[, "bigram": entry]}} for every unit task folder (the removal counts from its
    meta.json); the bigram baseline when `bigram` (log p(b | a), with `logp` its unigram) is given.

    Each scorer's interval is family-wise over every (task, scorer) test; `ci95` is its own 95% one."""
    from hf_slm.dataset_format import read_meta

    data, removed = {}, {}
    for task, folder, ds in _benchmarks(bench_dir, tasks, "positive"):
        meta = read_meta(folder)
        removed[task] = {**{key: int(meta.get(key, 0)) for key in REMOVAL_COUNTS},
                         GROUPS_REMOVED: dict(meta.get(GROUPS_REMOVED) or {})}
        data[task] = ds.select_columns(["id", "group", "prompt", "positive", "negative", "prompt_text",
                                        "positive_text", "negative_text"])
    baselines = {} if bigram is None else {"bigram": bigram_scorer(logp, bigram)}
    return _score_tasks(data, logp, {t: {"rows": len(ds), "identical": len(identical_rows(ds)), **removed[t]}
                                     for t, ds in data.items()}, n_boot=n_boot, seed=seed, confidence=confidence,
                        baselines=baselines)


def _score_tasks(data: dict, logp: np.ndarray, out: dict, *, n_boot: int, seed: int, confidence: float,
                 baselines: dict | None = None) -> dict:
    """Both scorers on every task of `data`, each entry with its family-wise and its own 95% interval;
    each baseline with its own interval only (it is no test, so it takes no share of the family)."""
    scorers = {"length": length_score, "unigram": unigram_scorer(logp)}
    level = familywise_confidence(len(data) * len(scorers), confidence)
    for task, ds in data.items():
        for name, fn in scorers.items():
            entry = null_task(ds, fn, n_boot=n_boot, seed=seed, confidence=level)
            own = null_task(ds, fn, n_boot=n_boot, seed=seed, confidence=confidence)
            out[task][name] = {**entry, "confidence": level, "ci95": [own["ci_low"], own["ci_high"]]}
        for name, fn in (baselines or {}).items():
            own = null_task(ds, fn, n_boot=n_boot, seed=seed, confidence=confidence)
            out[task][name] = {**own, "confidence": confidence, "ci95": [own["ci_low"], own["ci_high"]]}
    return out


def text_columns(rows, tokenizer) -> dict:
    """A benchmark's texts as the text LM sees them: each candidate is its whole sequence, prompt +
    ending tokenized as the text scorer does (hf_slm.scoring.encode.TextEncoder), with an empty
    prompt column, so a boundary that merges tokens differently per ending is scored as scored."""
    encode = TextEncoder(tokenizer)
    cols = {c: list(rows[c]) for c in ("id", "group", "prompt_text", "positive_text", "negative_text")}
    for side in ("positive", "negative"):
        cols[side] = [sum(encode.pair(p, c), ()) for p, c in zip(cols["prompt_text"], cols[f"{side}_text"])]
    cols["prompt"] = [()] * len(cols["id"])
    return cols


def text_null_benchmarks(bench_dir, tokenizer, train_ids: Iterable[Sequence[int]], *, tasks=None,
                         n_boot: int = 1000, seed: int = 0, confidence: float = 0.95) -> dict:
    """{task: {"rows", "length": entry, "unigram": entry}} on every benchmark's texts, with one text
    tokenizer and the token frequencies of its training split (family-wise intervals, as above).
    Repeated voicings of one text are one item, so they do not narrow the interval."""
    data = {task: text_columns(ds, tokenizer) for task, _, ds in _benchmarks(bench_dir, tasks, "positive_text")}
    logp = unigram_logprobs(train_ids, len(tokenizer))
    return _score_tasks(data, logp, {t: {"rows": len(cols["id"])} for t, cols in data.items()},
                        n_boot=n_boot, seed=seed, confidence=confidence)


def off_chance(report: dict) -> list[str]:
    """The tasks of a null report on which some scorer's interval excludes 0.5."""
    return sorted(t for t, e in report.items() if not all(e[s]["chance_in_interval"] for s in SCORERS if s in e))


def unbiased(report: dict) -> bool:
    """Every scorer's interval contains 0.5 on every task, and no pair is identical in units."""
    return bool(report) and all(t["identical"] == 0 and all(t[s]["chance_in_interval"] for s in SCORERS)
                                for t in report.values())


def null_report(bench_dir, units_dir, *, tasks=None, n_boot: int = 1000, seed: int = 0) -> dict:
    """null_benchmarks with the unit-unigram and unit-bigram models of the unit dataset's train split
    (demo and CLI): the two scorers and the bigram baseline."""
    unigram, bigram = dataset_count_models(units_dir)
    return null_benchmarks(bench_dir, unigram, bigram=bigram, tasks=tasks, n_boot=n_boot, seed=seed)


def text_null_report(bench_dir, text_dir, *, tasks=None, n_boot: int = 1000, seed: int = 0) -> dict:
    """text_null_benchmarks with a text dataset's own tokenizer and training split (the demo's text side)."""
    from hf_slm.units.dataset import load_unit_dataset

    text = load_unit_dataset(text_dir)
    return text_null_benchmarks(bench_dir, text.tokenizer, text.splits["train"]["units"], tasks=tasks,
                                n_boot=n_boot, seed=seed)
