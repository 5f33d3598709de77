"""Cross-modal StoryCloze (SIMS) and speech-only benchmarks for interleaved models.

Four modalities of a cloze question (prompt, positive ending, negative ending):

- "S"   speech → speech: ``P <speech> prompt-units`` then ending units (also sBLIMP/sWUGGY, prompt empty);
- "T2S" text → speech:   ``P prompt-text <speech>`` then ending units;
- "S2T" speech → text:   ``P <speech> prompt-units <text>`` then the ending's text tokens;
- "T"   text → text:     ``P prompt-text`` then the ending's text tokens (no marker: plain text LM).

P is the protocol's start token (hf_slm.scoring.lm.prefix_ids; "auto": the token a document
followed in training). Markers follow the training convention (hf_slm.interleave.layout): a
document starts in text state and a marker is written at each switch, so the marker into the
ending's modality belongs to the context. Ending text is tokenized in its mid-sentence form
(prompt + " " + ending encoded whole), as training tokenized text after a switch.

Scores go through the benchmarks' own scorer (hf_slm.scoring.benchmark.score_groups) and metrics,
so the protocol decides them as for every other benchmark: mean or sum NLL, the start token P,
whether the terminal EOS is scored, whether a cloze scores the whole story (context and ending as
one sequence: every token after P, markers included) or the ending alone (`cloze_span="ending"`),
over-length handling and the aggregation. Keys in run.json: the speech-only figure keeps the task
name ("ssc", "tsc", "sblimp": what the scaling fits read); the others are "<task>_t2s", "<task>_s2t",
"<task>_t".
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from hf_slm.errors import ConfigError
from hf_slm.interleave.layout import InterleaveLayout, layout_from_tokenizer
from hf_slm.scoring.benchmark import EvalOptions, score_groups, task_metrics
from hf_slm.scoring.encode import TextEncoder
from hf_slm.scoring.lm import LoadedLM, prefix_ids
from hf_slm.scoring.loglik import Request, score_requests
from hf_slm.tasks import CLOZE_TASKS  # tasks with a prompt: all four modalities; others: speech only

MODALITIES = ("S", "T2S", "S2T", "T")
SPEECH_FREE = ("T",)


def score_key(task: str, modality: str) -> str:
    return task if modality == "S" else f"{task}_{modality.lower()}"


def cross_modal_groups(rows: dict, modality: str, tokenizer, layout: InterleaveLayout | None,
                       prefix: Sequence[int]) -> list[tuple[tuple, list[tuple]]]:
    """[(context ids, [positive ids, negative ids])] per question; `rows` is dict-of-lists columns."""
    if modality not in MODALITIES:
        raise ConfigError("--modalities", f"{modality!r} is not one of {', '.join(MODALITIES)}")
    if modality not in SPEECH_FREE and layout is None:
        raise ConfigError("--modalities", f"{modality} needs an interleaved tokenizer (<speech>/<unit_k>)")
    text = TextEncoder(tokenizer)
    groups = []
    n = len(rows["positive_text" if modality in ("S2T", "T") else "positive"])
    for i in range(n):
        if modality in ("S", "S2T"):
            ctx = [layout.speech_id] + layout.unit_ids(rows["prompt"][i])
        else:
            ctx = list(text(rows["prompt_text"][i])) if rows["prompt_text"][i] else []
        if modality in ("S", "T2S"):
            if modality == "T2S":
                ctx.append(layout.speech_id)
            endings = [tuple(layout.unit_ids(rows[r][i])) for r in ("positive", "negative")]
        else:
            if modality == "S2T":
                ctx.append(layout.text_id)
            endings = [text.pair(rows["prompt_text"][i], rows[f"{r}_text"][i])[1]
                       for r in ("positive", "negative")]
        if not all(endings):
            raise ConfigError("--benchmarks", f"row {i}: an ending encodes to no tokens in modality {modality}")
        groups.append((tuple(prefix) + tuple(ctx), endings))
    return groups


def evaluate_cross_modal(lm: LoadedLM, bench_dir: str | Path, options: EvalOptions | None = None,
                         modalities: Sequence[str] = MODALITIES, tasks: Sequence[str] | None = None
                         ) -> dict[str, dict]:
    """{score key: run.json entry} for every task folder; cloze tasks in every asked modality.

    With a plain text LM (no unit tokens) only "T" applies: that is the text LM's own reference
    score before speech training (call it on the base model).
    """
    from hf_slm.synth.schema import load_benchmark, task_folders

    options = (options or EvalOptions()).validate()
    try:
        layout = layout_from_tokenizer(lm.tokenizer)
    except ConfigError:
        layout = None
        modalities = [m for m in modalities if m in SPEECH_FREE]
    prefix = prefix_ids(lm.tokenizer, options.prefix)
    folders = task_folders(bench_dir)
    if tasks is not None:
        unknown = sorted(set(tasks) - set(folders))
        if unknown:
            raise ConfigError("--tasks", f"{unknown} not found in {bench_dir} (found {sorted(folders)})")
        folders = {t: f for t, f in folders.items() if t in tasks}
    out: dict[str, dict] = {}
    for task, folder in folders.items():
        ds = load_benchmark(folder)
        rows = ds.to_dict()
        for modality in modalities if task in CLOZE_TASKS else [m for m in modalities if m == "S"]:
            if modality != "S" and not all(rows["positive_text"]):
                continue  # a benchmark without texts has no text modalities
            groups = cross_modal_groups(rows, modality, lm.tokenizer, layout, prefix)
            entry = task_metrics(task, ds, score_groups(lm, groups, options), options)
            entry["modality"] = modality
            out[score_key(task, modality)] = entry
    return out


def text_reference(base_model: str | Path, bench_dir: str | Path, options: EvalOptions | None = None,
                   lm: LoadedLM | None = None) -> dict[str, dict]:
    """The base text LM's own StoryCloze score in text ("T"), before any speech training."""
    from hf_slm.scoring.lm import load_lm

    options = (options or EvalOptions()).validate()
    lm = lm or load_lm(base_model, device=options.device, field="--base-model")
    from hf_slm.synth.schema import task_folders

    cloze = [t for t in task_folders(bench_dir) if t in CLOZE_TASKS]
    scores = evaluate_cross_modal(lm, bench_dir, options, modalities=("T",), tasks=cloze)
    return {f"{k}_base": dict(v, base_model=str(base_model)) for k, v in scores.items()}


def score_interleaved_run(lm: LoadedLM, record, bench_dir: str | Path, options: EvalOptions | None = None,
                          tasks: Sequence[str] | None = None, reference: bool = True) -> dict[str, dict]:
    """What an interleaved run's run.json gets: every modality, plus its base LM's text reference.

    The base model is loaded first, so an unavailable one stops before any scoring or writing.
    """
    from hf_slm.scoring.lm import load_lm

    options = (options or EvalOptions()).validate()
    base = record.base_model if reference else None
    base_lm = load_lm(base, device=options.device, field="--base-model") if base else None
    scores = evaluate_cross_modal(lm, bench_dir, options, tasks=tasks)
    if base_lm is not None:
        scores.update(text_reference(base, bench_dir, options, lm=base_lm))
    return scores


def speech_heldout_loss(lm: LoadedLM, split, options: EvalOptions | None = None,
                        max_docs: int | None = None) -> dict:
    """Test loss of an interleaved model on speech-only documents: ``S <speech>`` then units + EOS.

    The speech stream as trained (hf_slm.scoring.heldout scores bare units, which an interleaved
    model never saw without their marker), so S is the start token training used ("auto", or an
    explicit --prefix), not a benchmark protocol's (zerospeech's BOS). Nats per unit/EOS token;
    documents cut to the context.
    """
    options = (options or EvalOptions()).validate()
    layout = layout_from_tokenizer(lm.tokenizer)
    if max_docs is not None:
        split = split.select(range(min(max_docs, len(split))))
    context = tuple(prefix_ids(lm.tokenizer, options.heldout_prefix)) + (layout.speech_id,)
    limit = getattr(lm.model.config, "max_position_embeddings", None) or 10**9
    reqs = [Request(context, tuple(layout.unit_ids(units) + [layout.eos_id])[:max(limit - len(context), 1)])
            for units in split["units"] if len(units)]
    if not reqs:
        raise ConfigError("--dataset", "the test split has no speech documents")
    scores = score_requests(lm.model, reqs, lm.pad_id, options.batch_size, options.progress)
    n = sum(sc.n for sc in scores)
    return {"value": sum(sc.sum_nll for sc in scores) / n, "n_tokens": n, "n_docs": len(reqs),
            "modality": "S", "prefix": options.heldout_prefix}
