"""Training and test data of one run: the token-LM builder and what every builder returns.

A builder takes the loaded dataset folder (UnitDataset: splits, meta, tokenizer) and the run's
budget and returns LMData. "speech" and "text" runs share `build_token_lm_dataset`: both folders
hold token ids in `units` (units for speech, text-tokenizer ids for text, see
hf_slm.textlm.dataset). Which builder a run uses is its mode's choice (hf_slm.modes); another
mode (SIMS "interleaved": hf_slm.interleave.data) brings its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hf_slm.data.pack import epoch_order, stream_dtype
from hf_slm.data.packed import PackedWindows, docs_to_fill, stream_starts
from hf_slm.data.store_cache import load_token_store
from hf_slm.data.token_store import TokenStore
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
    record_extra: dict = field(default_factory=dict)  # builder-specific facts for run.json (e.g. a mixture)


def check_splits(splits, field_name: str = "--dataset") -> None:
    """Training needs a non-empty train split and a held-out test split for the test loss."""
    names = list(splits)
    for split in (TRAIN_SPLIT, TEST_SPLIT):
        if split not in splits or len(splits[split]) == 0:
            raise ConfigError(field_name, f"needs a non-empty {split!r} split (has: {', '.join(names) or 'none'}); "
                                          "the test loss is measured on held-out 'test' data")


def check_ids(arr: np.ndarray, vocab_size: int, field_name: str = "--dataset") -> None:
    if arr.size:
        check_id_range(int(arr.min()), int(arr.max()), vocab_size, field_name)


def check_id_range(lo: int | None, hi: int | None, vocab_size: int, field_name: str = "--dataset") -> None:
    if lo is not None and (lo < 0 or hi >= vocab_size):
        raise ConfigError(field_name, f"token ids span [{lo}, {hi}] but the tokenizer's "
                                      f"vocabulary has {vocab_size} ids; the data and its tokenizer disagree")


def split_store(split, vocab_size: int) -> TokenStore:
    """The split's token store (built on first use, then memory-mapped), its ids checked against the vocabulary."""
    store = load_token_store(split, SEQUENCE_COLUMN, stream_dtype(vocab_size))
    check_id_range(store.manifest["min_id"], store.manifest["max_id"], vocab_size)
    return store


def unique_pool(store: TokenStore, n_tokens: int, window: int, eos_id: int, seed: int) -> PackedWindows:
    """U_D: the first `n_tokens` of the train documents in a seeded order, joined with EOS, as windows.

    Deterministic in (split, seed, n_tokens); a larger budget's pool extends a smaller one's
    document order, so runs differ in how much data they see, not which.
    """
    available = store.n_tokens + len(store)  # every document and its EOS
    if available < n_tokens:
        raise ConfigError("--budget_tokens/--epochs", f"the unique pool needs {n_tokens} tokens but the train split "
                                                      f"has only {available} (with EOS); lower D or raise --epochs")
    order = np.random.default_rng(seed).permutation(len(store))
    taken = docs_to_fill(stream_starts(store, order), n_tokens)
    return PackedWindows(store, order[:taken], window, eos_id, n_tokens=n_tokens)


def heldout_windows(store: TokenStore, window: int, eos_id: int, pad_id: int,
                    max_tokens: int | None = None) -> PackedWindows:
    """Every test document once, in order (with `max_tokens`, whole documents up to about that many)."""
    docs = np.arange(len(store))
    if max_tokens:
        docs = docs[:docs_to_fill(stream_starts(store, docs), max_tokens)]
    return PackedWindows(store, docs, window, eos_id, pad_id=pad_id)


def build_token_lm_dataset(source, budget, seed: int, modality: str = "speech",
                           max_test_tokens: int | None = None) -> LMData:
    """Packed EOS-separated windows: pool U_D repeated to D in per-epoch permutations.

    Every trained token is counted under `modality` (run.json's tokens_per_modality).
    """
    tok = source.tokenizer
    eos, pad, vocab = tok.eos_token_id, tok.pad_token_id, len(tok)
    check_splits(source.splits)
    ctx = budget.context
    windows = unique_pool(split_store(source.splits[TRAIN_SPLIT], vocab), budget.unique_tokens, ctx, eos, seed)
    order = epoch_order(budget.pool_windows, budget.total_windows, seed + 1)
    test = heldout_windows(split_store(source.splits[TEST_SPLIT], vocab), ctx, eos, pad, max_test_tokens)
    return LMData(train=WindowDataset(windows, order), test=WindowDataset(test, pad_id=pad),
                  unique_tokens=int(windows.n_tokens), test_tokens=int(test.n_tokens),
                  test_pad_tokens=int(test.n_pad), tokens_per_modality={modality: int(budget.tokens)})
