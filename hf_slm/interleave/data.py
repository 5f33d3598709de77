"""The dataset builder of an "interleaved" training run (the interleaved mode's, see hf_slm.modes).

Like the speech builder it fills `budget.pool_windows` windows per epoch from the train rows in a
seeded order, joined with EOS, and lays epochs out so a resumed run sees the same batches. Unlike it,
each epoch renders the rows afresh (stream per row, speech spans: hf_slm.interleave.mixture), so the
pool is a fixed set of *utterances* whose token form changes per epoch. Tokens per modality are
counted on the windows actually trained on; the realised speech fraction goes to run.json.
"""

from __future__ import annotations

import logging
import math
from collections import Counter

import numpy as np

from hf_slm.data.lm import TEST_SPLIT, TRAIN_SPLIT, LMData, check_ids, check_splits
from hf_slm.data.pack import join_with_eos, pack_windows, stream_dtype
from hf_slm.data.windows import WindowDataset
from hf_slm.errors import ConfigError
from hf_slm.interleave.layout import InterleaveLayout, layout_from_tokenizer
from hf_slm.interleave.mixture import EpochDocs, MixConfig, build_epoch
from hf_slm.interleave.sequence import Counts
from hf_slm.interleave.spans import SpanConfig

CHUNK = 1024  # rows rendered at a time while an epoch's windows fill
logger = logging.getLogger(__name__)


def _fill(split, order, tokenizer, layout, mix, epoch, n_tokens) -> tuple[np.ndarray, EpochDocs]:
    """The first `n_tokens` of `split`'s rows (in `order`) rendered for `epoch`, EOS-joined."""
    parts, total, seen = [], 0, EpochDocs(docs=[], counts=Counts(), skips=[])
    for start in range(0, len(order), CHUNK):
        idx = order[start:start + CHUNK]
        ep = build_epoch(split.select(idx), tokenizer, layout, mix, epoch, indices=idx)
        seen.counts, seen.skips = seen.counts + ep.counts, seen.skips + ep.skips
        seen.fallbacks += ep.fallbacks
        parts.append(join_with_eos(ep.docs, layout.eos_id, np.int64, limit=n_tokens - total))
        total += len(parts[-1])
        if total >= n_tokens:
            return np.concatenate(parts), seen
    raise ConfigError("--budget_tokens/--epochs", f"an epoch needs {n_tokens} tokens but the train split renders "
                                                  f"to {total}; lower D or raise --epochs")


def mix_from_args(data_args, seed: int) -> MixConfig:
    """The mixture of a run from its data arguments (--mix_* --interleave_method ...), checked."""
    return MixConfig(ratios={"text": data_args.mix_text, "interleaved": data_args.mix_interleaved,
                             "speech": data_args.mix_speech},
                     spans=SpanConfig(data_args.interleave_method, data_args.speech_fraction,
                                      data_args.interleave_span), seed=seed).check()


def modality_counts(windows: np.ndarray, layout: InterleaveLayout) -> dict[str, int]:
    """Tokens per modality in trained windows: units, markers, and text (eos/bos/pad included)."""
    units = int(np.count_nonzero((windows >= layout.unit_offset) & (windows < layout.unit_offset + layout.k)))
    markers = int(np.count_nonzero((windows == layout.speech_id) | (windows == layout.text_id)))
    return {"text": int(windows.size) - units - markers, "speech": units, "marker": markers}


def build_interleaved_dataset(source, budget, seed: int, max_test_tokens: int | None = None,
                              mix: MixConfig | None = None) -> LMData:
    """Train windows rendered afresh per epoch, the test split rendered once; the mixture as realised."""
    tok = source.tokenizer
    layout = layout_from_tokenizer(tok)
    if layout.k != source.k:
        raise ConfigError("--dataset", f"the data has K={source.k} units but the model's tokenizer {layout.k}")
    check_splits(source.splits)
    mix = (mix or MixConfig(seed=seed)).check()
    ctx, pool = budget.context, budget.pool_windows
    train = source.splits[TRAIN_SPLIT]
    order = np.random.default_rng(seed).permutation(len(train))
    dtype = stream_dtype(len(tok))
    n_epochs = math.ceil(budget.total_windows / pool)
    windows, counts, skips, fallbacks = [], Counts(), [], 0
    for epoch in range(n_epochs):
        stream, seen = _fill(train, order, tok, layout, mix, epoch, pool * ctx)
        windows.append(stream.astype(dtype).reshape(pool, ctx))
        counts, skips, fallbacks = counts + seen.counts, skips + seen.skips, fallbacks + seen.fallbacks
    windows = np.concatenate(windows)
    check_ids(windows, len(tok))
    rng = np.random.default_rng(seed + 1)  # each epoch's windows in a fresh order, epochs in sequence
    order_w = np.concatenate([e * pool + rng.permutation(pool) for e in range(n_epochs)])[:budget.total_windows]

    test = build_epoch(source.splits[TEST_SPLIT], tok, layout, mix, epoch=0).docs
    if max_test_tokens:
        keep, total = [], 0
        for doc in test:
            if total >= max_test_tokens:
                break
            keep.append(doc)
            total += len(doc) + 1
        test = keep
    test_windows, n_pad = pack_windows(test, ctx, layout.eos_id, layout.pad_id, dtype)
    check_ids(test_windows, len(tok))
    extra = {"interleave": {
        "ratios": dict(mix.ratios), "method": mix.spans.method, "speech_fraction": mix.spans.speech_fraction,
        "span": mix.spans.span, "epochs_rendered": n_epochs,
        "realised_speech_word_fraction": counts.speech_word_fraction,
        "docs_per_stream": dict(counts.docs), "fallbacks": fallbacks, "skipped_rows": len({s["id"] for s in skips}),
        "skip_reasons": dict(Counter(s["reason"] for s in skips))}}
    logger.info("interleaved data: %d epochs rendered, speech word fraction %.3f (target %.3f), docs %s",
                n_epochs, counts.speech_word_fraction, mix.spans.speech_fraction, dict(counts.docs))
    return LMData(
        train=WindowDataset(windows, order_w), test=WindowDataset(test_windows, pad_id=layout.pad_id),
        unique_tokens=int(pool * ctx), test_tokens=int(test_windows.size - n_pad), test_pad_tokens=int(n_pad),
        tokens_per_modality=modality_counts(windows[order_w], layout), record_extra=extra)
