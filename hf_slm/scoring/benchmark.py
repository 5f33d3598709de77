"""Score a model on benchmark folders: the in-process API that `hf-slm eval` and the demo call.

    from hf_slm.scoring import EvalOptions, evaluate_checkpoint
    scores = evaluate_checkpoint("runs/tiny-1m", "data/bench")   # {"sblimp": {...}, "ssc": {...}}

Each entry is the run.json form {"value", "ci_low", "ci_high", "n", ...} (value = the task's
headline: macro accuracy over phenomena for sBLIMP, accuracy otherwise) plus every figure of
`pair_metrics` and the conventions used. A candidate's score is minus its mean NLL per token
("mean": the paper's length-normalised default) or minus the sum ("sum": the ZeroSpeech baseline).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from hf_slm.errors import ConfigError
from hf_slm.scoring.encode import MODALITIES, TextEncoder, UnitEncoder, has_units
from hf_slm.scoring.lm import LoadedLM, load_lm, prefix_ids
from hf_slm.scoring.loglik import Request, SeqScore, score_requests, score_shared_context
from hf_slm.scoring.metrics import DEFAULT_N_BOOT, headline, pair_metrics

CONVENTIONS = ("mean", "sum")
HEADLINE = {"sblimp": "macro_accuracy"}  # every other task: accuracy


@dataclass
class EvalOptions:
    modality: str = "auto"  # auto | units | text (text: the *_text columns with the model's tokenizer)
    convention: str = "mean"  # mean | sum NLL over the candidate's tokens
    prefix: str = "auto"  # see hf_slm.scoring.lm
    share_prompt: bool = True  # run a cloze prompt once for both endings
    batch_size: int = 32
    n_boot: int = DEFAULT_N_BOOT
    confidence: float = 0.95
    seed: int = 0
    device: str | None = None
    progress: bool = False

    def validate(self) -> "EvalOptions":
        if self.modality not in ("auto", *MODALITIES):
            raise ConfigError("--modality", f"{self.modality!r} is not one of auto, units, text")
        if self.convention not in CONVENTIONS:
            raise ConfigError("--convention", f"{self.convention!r} is not one of mean, sum")
        if self.batch_size < 1:
            raise ConfigError("--batch-size", "must be at least 1")
        if self.n_boot < 1:
            raise ConfigError("--n-boot", "must be at least 1")
        return self


@dataclass
class PairScores:
    positive: list[SeqScore]
    negative: list[SeqScore]

    def logliks(self, convention: str = "mean") -> tuple[np.ndarray, np.ndarray]:
        """Scores for the metrics (higher = preferred): -mean NLL or -sum NLL per candidate."""
        def one(s: SeqScore) -> float:
            return -(s.mean_nll if convention == "mean" else s.sum_nll)
        return (np.array([one(s) for s in self.positive]), np.array([one(s) for s in self.negative]))


def resolve_modality(lm: LoadedLM, modality: str) -> str:
    if modality == "auto":
        return "units" if has_units(lm.tokenizer) else "text"
    return modality


def score_pairs(lm: LoadedLM, prompts: Sequence, positives: Sequence, negatives: Sequence,
                options: EvalOptions | None = None) -> PairScores:
    """Score candidate pairs (units or text, per options.modality) given optional shared prompts."""
    options = (options or EvalOptions()).validate()
    modality = resolve_modality(lm, options.modality)
    encoder = UnitEncoder(lm.tokenizer) if modality == "units" else TextEncoder(lm.tokenizer)
    prefix = tuple(prefix_ids(lm.tokenizer, options.prefix))
    groups = []
    for prompt, pos, neg in zip(prompts, positives, negatives, strict=True):
        ctx, pos_ids = encoder.pair(prompt, pos)
        ctx2, neg_ids = encoder.pair(prompt, neg)
        if not pos_ids or not neg_ids:
            raise ValueError("a candidate encodes to no tokens")
        groups.append((prefix + ctx, prefix + ctx2, pos_ids, neg_ids))
    shareable = all(g[0] == g[1] and g[0] for g in groups)
    if options.share_prompt and shareable:
        res = score_shared_context(lm.model, [(c, [p, n]) for c, _, p, n in groups], lm.pad_id,
                                   options.batch_size, options.progress)
        return PairScores([r[0] for r in res], [r[1] for r in res])
    reqs = [Request(c, p) for c, _, p, _ in groups] + [Request(c2, n) for _, c2, _, n in groups]
    res = score_requests(lm.model, reqs, lm.pad_id, options.batch_size, options.progress)
    return PairScores(res[:len(groups)], res[len(groups):])


def _columns(ds, modality: str) -> tuple[list, list, list]:
    suffix = "" if modality == "units" else "_text"
    cols = [f"prompt{suffix}", f"positive{suffix}", f"negative{suffix}"]
    missing = [c for c in cols if c not in ds.column_names]
    if missing:
        raise ConfigError("--benchmarks", f"benchmark lacks columns {missing}: not a unit benchmark "
                                          "(run the unit stage on audio benchmarks first)")
    return tuple(ds[c] for c in cols)  # type: ignore[return-value]


def item_keys(ds) -> list[str]:
    """The key shared by the voicings of one item: its texts (ids usually carry the voice)."""
    texts = zip(ds["group"], ds["prompt_text"], ds["positive_text"], ds["negative_text"])
    keys = ["\x1f".join(t) for t in texts]
    return keys if any(k.strip("\x1f") for k in keys) else list(ds["id"])


def task_metrics(task: str, ds, scores: PairScores, options: EvalOptions) -> dict:
    """The run.json entry of one task from its candidates' scores."""
    pos, neg = scores.logliks(options.convention)
    voices = list(ds["voice"])
    multi_voice = len(set(voices)) > 1
    m = pair_metrics(pos, neg, groups=list(ds["group"]),
                     voices=voices if multi_voice else None,
                     items=item_keys(ds) if multi_voice else None,
                     n_boot=options.n_boot, confidence=options.confidence, seed=options.seed)
    entry = headline(m, HEADLINE.get(task, "accuracy"))
    entry.update({k: v for k, v in m.items() if k not in entry})
    entry.update(convention=options.convention, prefix=options.prefix)
    return entry


def evaluate_task(lm: LoadedLM, task: str, task_dir: str | Path, options: EvalOptions) -> dict:
    from hf_slm.synth.schema import load_benchmark

    ds = load_benchmark(task_dir)
    if len(ds) == 0:
        raise ConfigError("--benchmarks", f"{task_dir} has no rows")
    modality = resolve_modality(lm, options.modality)
    prompts, positives, negatives = _columns(ds, modality)
    scores = score_pairs(lm, prompts, positives, negatives, options)
    entry = task_metrics(task, ds, scores, options)
    entry["modality"] = modality
    return entry


def evaluate_checkpoint(checkpoint: str | Path, bench_dir: str | Path,
                        options: EvalOptions | None = None, tasks: Sequence[str] | None = None,
                        lm: LoadedLM | None = None) -> dict[str, dict]:
    """{task: run.json score entry} for every task folder in `bench_dir` (or the listed ones)."""
    from hf_slm.synth.schema import task_folders

    options = (options or EvalOptions()).validate()
    folders = task_folders(bench_dir)
    if tasks is not None:
        unknown = sorted(set(tasks) - set(folders))
        if unknown:
            raise ConfigError("--tasks", f"{unknown} not found in {bench_dir} (found {sorted(folders)})")
        folders = {t: folders[t] for t in tasks}
    if not folders:
        raise ConfigError("--benchmarks", f"{bench_dir} holds no task folders with data/*.parquet")
    lm = lm or load_lm(checkpoint, device=options.device)
    return {task: evaluate_task(lm, task, folder, options) for task, folder in folders.items()}


