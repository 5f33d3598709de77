"""Score a model on benchmark folders: the in-process API that `hf-slm eval` and the demo call.

    from hf_slm.scoring import EvalOptions, evaluate_checkpoint
    scores = evaluate_checkpoint("runs/tiny-1m", "data/bench")   # {"sblimp": {...}, "ssc": {...}}

How a number is made is a named protocol (hf_slm.scoring.protocol: cm2024, the default, sims,
zerospeech): reduction (mean or sum NLL), start token, whether the terminal EOS is scored, whether
a cloze scores the whole story or the ending, and how pairs are aggregated. Each entry is the
run.json form {"value", "ci_low", "ci_high", "n", "metric", ...} of the protocol's headline, every
figure of `pair_metrics` beside it, the protocol itself and the benchmark's checksum.

Identical requests (a text scored once per voice, say) are scored once. A sequence longer than the
model's positions is truncated from the left (the count is reported and kept as `truncated`), or
refused with `overlength="refuse"`; a cloze prompt is cut once for both of its endings (`fit_context`).
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from hf_slm.errors import ConfigError
from hf_slm.scoring.aggregate import headline_figure, protocol_outcomes
from hf_slm.scoring.encode import MODALITIES, TextEncoder, UnitEncoder, has_units
from hf_slm.scoring.items import item_keys
from hf_slm.scoring.lm import DTYPES, LoadedLM, load_lm, prefix_ids
from hf_slm.scoring.loglik import Request, SeqScore, score_requests, score_shared_context, unique
from hf_slm.scoring.metrics import DEFAULT_N_BOOT, pair_metrics
from hf_slm.scoring.protocol import (
    CLOZE_SPANS, DEFAULT_PROTOCOL, OVERLENGTH, PROTOCOLS, REDUCTIONS, STARTS, Protocol, resolve)

CONVENTIONS = REDUCTIONS


@dataclass
class EvalOptions:
    protocol: str = DEFAULT_PROTOCOL  # cm2024 | sims | zerospeech (hf_slm.scoring.protocol)
    modality: str = "auto"  # auto | units | text (text: the *_text columns with the model's tokenizer)
    convention: str | None = None  # mean | sum NLL over the candidate's tokens (None: the protocol's)
    prefix: str | None = None  # start token, see hf_slm.scoring.lm (None: the protocol's)
    cloze_span: str | None = None  # whole | ending (None: the protocol's)
    share_prompt: bool = True  # run a cloze prompt once for both endings
    overlength: str = "truncate"  # truncate (from the left, counted) | refuse
    dtype: str | None = None  # float32 | bfloat16 | float16 (None: bf16 on GPU, fp32 on CPU)
    batch_size: int = 32
    n_boot: int = DEFAULT_N_BOOT
    confidence: float = 0.95
    seed: int = 0
    device: str | None = None
    progress: bool = False

    def validate(self) -> "EvalOptions":
        """Checked, with convention / prefix / cloze_span filled in from the protocol."""
        for value, allowed, name in ((self.protocol, tuple(PROTOCOLS), "--protocol"),
                                     (self.convention, (None, *REDUCTIONS), "--convention"),
                                     (self.prefix, (None, *STARTS), "--prefix"),
                                     (self.cloze_span, (None, *CLOZE_SPANS), "--cloze-span")):
            if value not in allowed:
                raise ConfigError(name, f"{value!r} is not one of {', '.join(a for a in allowed if a)}")
        if self.modality not in ("auto", *MODALITIES):
            raise ConfigError("--modality", f"{self.modality!r} is not one of auto, units, text")
        if self.overlength not in OVERLENGTH:
            raise ConfigError("--overlength", f"{self.overlength!r} is not one of {', '.join(OVERLENGTH)}")
        if self.dtype is not None and self.dtype not in DTYPES:
            raise ConfigError("--dtype", f"{self.dtype!r} is not one of {', '.join(DTYPES)}")
        if self.batch_size < 1:
            raise ConfigError("--batch-size", "must be at least 1")
        if self.n_boot < 1:
            raise ConfigError("--n-boot", "must be at least 1")
        p = self.scoring_protocol()
        return dataclasses.replace(self, convention=p.reduction, prefix=p.start, cloze_span=p.cloze)

    def scoring_protocol(self) -> Protocol:
        """The named protocol with this run's explicit choices (recorded as overrides)."""
        return resolve(self.protocol, self.convention, self.prefix, self.cloze_span)

    @property
    def heldout_prefix(self) -> str:
        """The held-out loss follows training (auto), not a benchmark protocol, unless asked."""
        return dict(self.scoring_protocol().overrides).get("start", "auto")


@dataclass
class PairScores:
    positive: list[SeqScore]
    negative: list[SeqScore]
    truncated: int = 0  # candidates cut from the left to fit the model

    def logliks(self, convention: str = "mean") -> tuple[np.ndarray, np.ndarray]:
        """Scores for the metrics (higher = preferred): -mean NLL or -sum NLL per candidate."""
        def one(s: SeqScore) -> float:
            return -(s.mean_nll if convention == "mean" else s.sum_nll)
        return (np.array([one(s) for s in self.positive]), np.array([one(s) for s in self.negative]))


def resolve_modality(lm: LoadedLM, modality: str) -> str:
    if modality == "auto":
        return "units" if has_units(lm.tokenizer) else "text"
    return modality


def model_positions(model) -> int | None:
    return getattr(getattr(model, "config", None), "max_position_embeddings", None)


def truncate_left(req: Request, limit: int) -> Request:
    """The request cut from the left so that its input (all tokens but the last) fits `limit`."""
    full = tuple(req.context) + tuple(req.continuation)
    if len(full) - 1 <= limit:
        return req
    keep = full[-(limit + 1):]
    n_cont = min(len(req.continuation), limit)  # a continuation keeps at least one context token
    return Request(keep[:len(keep) - n_cont], keep[len(keep) - n_cont:])


def fit_context(groups: list[tuple[tuple, tuple]], limit: int | None) -> tuple[list[tuple[tuple, tuple]], int]:
    """Questions whose context + longest candidate exceed `limit` positions get their context cut from
    the left, once for both candidates, so that the longest fits; returns (groups, candidates cut).

    Cutting each candidate's sequence on its own would leave the two endings after different prompt
    windows (the longer ending's starting later), which under whole-story scoring compares prompt
    text too: on the tiny demo (context 256, stories ~290 units) that alone moved speech tSC to
    0.42-0.44 and sSC to 0.53-0.57 where the endings given one prompt scored 0.48-0.51 on both.
    A candidate too long to keep one context token is left to `truncate_left`."""
    out, cut = [], 0
    for ctx, cands in groups:
        longest = max(map(len, cands))
        keep = (limit + 1 - longest) if limit else len(ctx)
        if len(ctx) > keep >= 1:
            ctx, cut = ctx[-keep:], cut + len(cands)
        out.append((ctx, cands))
    return out, cut


def score_request_list(lm: LoadedLM, reqs: list[Request], options: EvalOptions) -> tuple[list[SeqScore], int]:
    """Scores of `reqs` in order, each distinct request run once; over-length ones truncated or refused."""
    limit = model_positions(lm.model)
    over = [r for r in reqs if limit and len(r.context) + len(r.continuation) - 1 > limit]
    if over and options.overlength == "refuse":
        longest = max(len(r.context) + len(r.continuation) for r in over)
        raise ConfigError("--overlength", f"{len(over)} of {len(reqs)} sequences exceed the model's {limit} "
                                          f"positions (longest {longest} tokens): pass --overlength truncate "
                                          "or score with a longer-context model")
    if over:
        reqs = [truncate_left(r, limit) for r in reqs]
    uniq, where = unique(reqs)
    res = score_requests(lm.model, uniq, lm.pad_id, options.batch_size, options.progress)
    return [res[i] for i in where], len(over)


def candidate_groups(lm: LoadedLM, prompts: Sequence, positives: Sequence, negatives: Sequence,
                     options: EvalOptions) -> list[tuple[tuple, list[tuple]]]:
    """[(start token + prompt ids, [positive ids, negative ids])] in the options' modality."""
    p = options.scoring_protocol()
    modality = resolve_modality(lm, options.modality)
    encoder = UnitEncoder(lm.tokenizer) if modality == "units" else TextEncoder(lm.tokenizer)
    prefix = tuple(prefix_ids(lm.tokenizer, p.start))
    groups = []
    for prompt, pos, neg in zip(prompts, positives, negatives, strict=True):
        ctx, pos_ids = encoder.pair(prompt, pos)
        _, neg_ids = encoder.pair(prompt, neg)  # the prompt's ids do not depend on the ending
        if not pos_ids or not neg_ids:
            raise ValueError("a candidate encodes to no tokens")
        groups.append((prefix + tuple(ctx), [tuple(pos_ids), tuple(neg_ids)]))
    return groups


def score_groups(lm: LoadedLM, groups: Sequence[tuple[Sequence[int], Sequence[Sequence[int]]]],
                 options: EvalOptions | None = None) -> PairScores:
    """Both candidates of every question [(context, [positive ids, negative ids])], as the protocol says.

    The context holds the start token. The terminal EOS is appended to each candidate when the
    protocol scores it; a cloze under a "whole" protocol scores context and candidate together
    (every token after the first), otherwise the candidate given the context. Questions met twice
    run once; the context runs once for both candidates when that fits the model (share_prompt).
    """
    options = (options or EvalOptions()).validate()
    p = options.scoring_protocol()
    eos = lm.tokenizer.eos_token_id
    if p.terminal and eos is None:
        raise ConfigError("--protocol", f"{p.name} scores the terminal EOS but the tokenizer has none")
    end = (int(eos),) if p.terminal else ()
    groups = [(tuple(ctx), tuple(tuple(c) + end for c in cands)) for ctx, cands in groups]
    if any(len(cands) != 2 for _, cands in groups):
        raise ValueError("every question needs exactly a positive and a negative candidate")
    whole = p.cloze == "whole"
    limit = model_positions(lm.model)
    cut = 0
    if options.overlength == "truncate":
        groups, cut = fit_context(groups, limit)
    fits = all(not limit or len(ctx) + max(map(len, cands)) - 1 <= limit for ctx, cands in groups)
    if options.share_prompt and fits and all(ctx for ctx, _ in groups):
        uniq, where = unique(groups)
        res = score_shared_context(lm.model, [(c, list(e)) for c, e in uniq], lm.pad_id, options.batch_size,
                                   options.progress, score_context=whole)
        return PairScores([res[i][0] for i in where], [res[i][1] for i in where], cut)
    reqs = [Request((), ctx + cands[j]) if whole else Request(ctx, cands[j]) for j in (0, 1) for ctx, cands in groups]
    res, truncated = score_request_list(lm, reqs, options)
    return PairScores(res[:len(groups)], res[len(groups):], cut + truncated)


def score_pairs(lm: LoadedLM, prompts: Sequence, positives: Sequence, negatives: Sequence,
                options: EvalOptions | None = None) -> PairScores:
    """Score candidate pairs (units or text, per options.modality) given optional shared prompts."""
    options = (options or EvalOptions()).validate()
    return score_groups(lm, candidate_groups(lm, prompts, positives, negatives, options), options)


def _columns(ds, modality: str) -> tuple[list, list, list]:
    suffix = "" if modality == "units" else "_text"
    cols = [f"prompt{suffix}", f"positive{suffix}", f"negative{suffix}"]
    missing = [c for c in cols if c not in ds.column_names]
    if missing:
        raise ConfigError("--benchmarks", f"benchmark lacks columns {missing}: not a unit benchmark "
                                          "(run the unit stage on audio benchmarks first)")
    return tuple(ds[c] for c in cols)  # type: ignore[return-value]


def task_metrics(task: str, ds, scores: PairScores, options: EvalOptions) -> dict:
    """The run.json entry of one task from its candidates' scores, aggregated as the protocol says."""
    from hf_slm.tasks import CLOZE_TASKS, PHENOMENA_TASKS, base_task

    options = options.validate()
    p = options.scoring_protocol()
    pos, neg = scores.logliks(p.reduction)
    voices = list(ds["voice"])
    multi_voice = len(set(voices)) > 1
    items = item_keys(ds)
    clustered = multi_voice or len(set(items)) < len(items)  # voicings or mirror pairs (hf_slm.scoring.items)
    items = items if clustered else list(ds["id"])
    m = pair_metrics(pos, neg, groups=list(ds["group"]),
                     voices=voices if multi_voice else None, items=items if clustered else None,
                     n_boot=options.n_boot, confidence=options.confidence, seed=options.seed)
    # "ssc_official" is a cloze task too (its files hold the whole story, so no separate prompt)
    cloze = base_task(task) in CLOZE_TASKS or any(ds["prompt"]) or any(ds["prompt_text"])
    outcomes = protocol_outcomes(pos, neg, p, cloze)
    # a macro average is over phenomena (sBLIMP); a cloze story's plot is not one (as C&M's summarize)
    groups = list(ds["group"]) if base_task(task) in PHENOMENA_TASKS else ["all"] * len(ds["group"])
    entry = headline_figure(outcomes, groups, items, p, n_boot=options.n_boot,
                            confidence=options.confidence, seed=options.seed)
    entry.update({k: v for k, v in m.items() if k not in entry})
    entry.update(convention=p.reduction, prefix=p.start, protocol=p.as_record(), truncated=scores.truncated)
    if scores.truncated:
        print(f"hf-slm eval: {task}: {scores.truncated} sequences exceed the model's positions and were "
              "truncated from the left (--overlength refuse stops instead)", file=sys.stderr)
    return entry


def load_task(task_dir: str | Path, protocol: Protocol):
    """The split of a task folder that the protocol scores, and its name."""
    from hf_slm.dataset_format import split_files
    from hf_slm.dataset_format.benchmark import benchmark_features, load_benchmark
    from hf_slm.scoring.identity import pick_split

    split = pick_split(task_dir, protocol.split)
    if len(split_files(task_dir)) == 1:
        return load_benchmark(task_dir), split
    from hf_slm.dataset_format import load_parquet_splits

    return load_parquet_splits({split: split_files(task_dir)[split]}, benchmark_features())[split], split


def evaluate_task(lm: LoadedLM, task: str, task_dir: str | Path, options: EvalOptions) -> dict:
    from hf_slm.scoring.identity import shards_sha256

    options = options.validate()
    ds, split = load_task(task_dir, options.scoring_protocol())
    if len(ds) == 0:
        raise ConfigError("--benchmarks", f"{task_dir} has no rows")
    modality = resolve_modality(lm, options.modality)
    prompts, positives, negatives = _columns(ds, modality)
    scores = score_pairs(lm, prompts, positives, negatives, options)
    entry = task_metrics(task, ds, scores, options)
    entry.update(modality=modality, benchmark_split=split, benchmark_sha256=shards_sha256(task_dir))
    return entry


def select_tasks(bench_dir: str | Path, tasks: Sequence[str] | None = None) -> dict[str, Path]:
    """{task: folder} of a benchmark folder, or of the listed tasks (ConfigError on a missing one)."""
    from hf_slm.synth.schema import task_folders

    folders = task_folders(bench_dir)
    if tasks is not None:
        unknown = sorted(set(tasks) - set(folders))
        if unknown:
            raise ConfigError("--tasks", f"{unknown} not found in {bench_dir} (found {sorted(folders)})")
        folders = {t: folders[t] for t in tasks}
    if not folders:
        raise ConfigError("--benchmarks", f"{bench_dir} holds no task folders with data/*.parquet")
    return folders


def evaluate_checkpoint(checkpoint: str | Path, bench_dir: str | Path,
                        options: EvalOptions | None = None, tasks: Sequence[str] | None = None,
                        lm: LoadedLM | None = None, codebook: dict | None = None) -> dict[str, dict]:
    """{task: run.json score entry} for every task folder in `bench_dir` (or the listed ones).

    Unit benchmarks encoded with another codebook than the model's (by K, or by checksum when
    `codebook`, the model's dataset codebook {k, sha256}, is given) stop with a ConfigError.
    """
    from hf_slm.scoring.identity import check_benchmarks

    options = (options or EvalOptions()).validate()
    folders = select_tasks(bench_dir, tasks)
    lm = lm or load_lm(checkpoint, device=options.device, dtype=options.dtype)
    if resolve_modality(lm, options.modality) == "units":
        check_benchmarks(folders, lm.tokenizer, codebook)
    return {task: evaluate_task(lm, task, folder, options) for task, folder in folders.items()}
