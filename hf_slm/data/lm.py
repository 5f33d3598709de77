"""Training and test data of one run, built by a function chosen by `mode`.

A builder takes the loaded dataset folder (UnitDataset: splits, meta, tokenizer) and the run's
budget and returns LMData. "speech" and "text" share one builder: both folders hold token ids
in `units` (units for speech, text-tokenizer ids for text, see hf_slm.textlm.dataset). Another
mode (e.g. SIMS "interleaved") registers its own builder in DATASET_BUILDERS; train.py and
run_training need no change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from hf_slm.data.pack import epoch_order, join_with_eos, pack_windows, stream_dtype
from hf_slm.data.windows import WindowDataset
from hf_slm.errors import ConfigError

SEQUENCE_COLUMN = "units"
TEST_SPLIT = "test"
TRAIN_SPLIT = "train"


@dataclass
class LMData:
    train: WindowDataset  # max_steps × global batch windows, in training order
    test: WindowDataset  # every test token once (last window padded)
    unique_tokens: int  # U_D actually in the pool
    test_tokens: int
    test_pad_tokens: int
    tokens_per_modality: dict[str, int] = field(default_factory=dict)


def check_splits(splits, field_name: str = "--dataset") -> None:
    """Training needs a non-empty train split and a held-out test split for the test loss."""
    names = list(splits)
    for split in (TRAIN_SPLIT, TEST_SPLIT):
        if split not in splits or len(splits[split]) == 0:
            raise ConfigError(field_name, f"needs a non-empty {split!r} split (has: {', '.join(names) or 'none'}); "
                                          "the test loss is measured on held-out 'test' data")


def iter_sequences(split, order=None, batch_size: int = 1000) -> Iterator[list[int]]:
    """Token sequences of a split in `order` (indices), read in batches (fast on Arrow)."""
    ds = split.select(order) if order is not None else split
    for batch in ds.select_columns([SEQUENCE_COLUMN]).iter(batch_size=batch_size):
        yield from batch[SEQUENCE_COLUMN]


def check_ids(arr: np.ndarray, vocab_size: int, field_name: str = "--dataset") -> None:
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= vocab_size):
        raise ConfigError(field_name, f"token ids span [{int(arr.min())}, {int(arr.max())}] but the tokenizer's "
                                      f"vocabulary has {vocab_size} ids; the data and its tokenizer disagree")


def unique_pool(train_split, n_tokens: int, eos_id: int, vocab_size: int, seed: int) -> np.ndarray:
    """U_D: the first `n_tokens` of the train documents in a seeded order, joined with EOS.

    Deterministic in (split, seed, n_tokens); a larger budget's pool extends a smaller one's
    document order, so runs differ in how much data they see, not which.
    """
    order = np.random.default_rng(seed).permutation(len(train_split))
    # Read documents in order without loading the whole column: stop once the pool is full.
    stream = join_with_eos(iter_sequences(train_split, order), eos_id, np.int64, limit=n_tokens)
    if len(stream) < n_tokens:
        raise ConfigError("--budget_tokens/--epochs", f"the unique pool needs {n_tokens} tokens but the train split "
                                                      f"has only {len(stream)} (with EOS); lower D or raise --epochs")
    check_ids(stream, vocab_size)
    return stream.astype(stream_dtype(vocab_size))


def build_token_lm_dataset(source, budget, seed: int, mode: str = "speech",
                           max_test_tokens: int | None = None) -> LMData:
    """Packed EOS-separated windows: pool U_D repeated to D in per-epoch permutations."""
    tok = source.tokenizer
    eos, pad, vocab = tok.eos_token_id, tok.pad_token_id, len(tok)
    check_splits(source.splits)
    ctx = budget.context
    pool = unique_pool(source.splits[TRAIN_SPLIT], budget.unique_tokens, eos, vocab, seed)
    windows = pool.reshape(budget.pool_windows, ctx)
    order = epoch_order(budget.pool_windows, budget.total_windows, seed + 1)
    test_docs = iter_sequences(source.splits[TEST_SPLIT])
    if max_test_tokens:
        test_docs = _first_tokens(test_docs, max_test_tokens)
    test_windows, n_pad = pack_windows(test_docs, ctx, eos, pad, stream_dtype(vocab))
    check_ids(test_windows, vocab)
    return LMData(train=WindowDataset(windows, order), test=WindowDataset(test_windows, pad_id=pad),
                  unique_tokens=int(windows.size), test_tokens=int(test_windows.size - n_pad),
                  test_pad_tokens=int(n_pad), tokens_per_modality={mode: int(budget.tokens)})


def _first_tokens(docs, limit: int):
    """Whole documents until about `limit` tokens (a fixed, deterministic test subset)."""
    total = 0
    for doc in docs:
        if total >= limit:
            return
        total += len(doc) + 1
        yield doc


def build_interleaved(*args, **kwargs) -> LMData:
    """SIMS text+speech mixture (hf_slm.interleave.data; imported lazily: it imports this module)."""
    from hf_slm.interleave.data import build_interleaved_dataset

    return build_interleaved_dataset(*args, **kwargs)


Builder = Callable[..., LMData]
DATASET_BUILDERS: dict[str, Builder] = {
    "speech": build_token_lm_dataset,
    "text": build_token_lm_dataset,
    "interleaved": build_interleaved,
}


def get_builder(mode: str) -> Builder:
    if mode not in DATASET_BUILDERS:
        raise ConfigError("--mode", f"{mode!r} has no dataset builder; known: {', '.join(DATASET_BUILDERS)}")
    return DATASET_BUILDERS[mode]
